"""PyTorch side of `compare_torch_cnn.sh`: torchvision MobileNetV2 and ResNet50 inference at
224x224, batch 16, float32 CPU, eval mode under `torch.inference_mode()`, THREADS threads;
prints one JSON line per model with the median of REPS timed forward passes (after 2 warm-ups)."""

import json
import os
import statistics
import sys
import time

import torch
import torchvision

threads = int(os.environ.get("THREADS", "2"))
reps = int(sys.argv[1]) if len(sys.argv) > 1 else 10
torch.set_num_threads(threads)
x = torch.randn(16, 3, 224, 224)
for name in ["mobilenet_v2", "resnet50"]:
    model = getattr(torchvision.models, name)(weights=None).eval()
    times = []
    with torch.inference_mode():
        for i in range(reps + 2):
            start = time.perf_counter()
            model(x)
            if i >= 2:
                times.append(time.perf_counter() - start)
    median = statistics.median(times)
    print(json.dumps({"peer": f"torch {torch.__version__}, torchvision {torchvision.__version__}",
                      "model": name, "batch": 16, "threads": threads,
                      "median_ms": round(median * 1e3, 2), "images_per_s": round(16 / median, 2)}))
