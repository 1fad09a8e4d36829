"""The image -> features pipeline in PyTorch, as `cinder image features` runs it: a folder of
images (class subfolders) decoded with PIL, resized to 224x224 and normalized to [-1, 1]
(MobileNetV2's Keras preprocessing), batched by a DataLoader (at most one worker), embedded by
torchvision's MobileNetV2 (random weights: speed does not depend on them) as the global average of
its last feature map, under inference_mode on N threads. Prints one JSON line: images, seconds,
images_per_s, peak RSS.

    python benches/torch_image_features.py --images DIR [--batch-size 16] [--threads 2] [--workers 1]
"""
import argparse
import json
import resource
import time

import torch
import torchvision
from torchvision import transforms


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--images', required=True)
    ap.add_argument('--batch-size', type=int, default=16)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--workers', type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    transform = transforms.Compose([
        transforms.Lambda(lambda image: image.convert('RGB')),
        transforms.Resize((224, 224)),
        transforms.ToTensor(),
        transforms.Normalize([0.5] * 3, [0.5] * 3),
    ])
    dataset = torchvision.datasets.ImageFolder(args.images, transform=transform)
    loader = torch.utils.data.DataLoader(dataset, batch_size=args.batch_size,
                                         num_workers=args.workers)
    model = torchvision.models.mobilenet_v2(weights=None).eval()
    rows = 0
    start = time.perf_counter()
    with torch.inference_mode():
        for images, _ in loader:
            features = model.features(images).mean(dim=(2, 3))
            rows += features.shape[0]
    seconds = time.perf_counter() - start
    print(json.dumps({
        'peer': f'torch {torch.__version__}, torchvision {torchvision.__version__}',
        'images': rows, 'seconds': round(seconds, 2), 'images_per_s': round(rows / seconds, 2),
        'threads': args.threads, 'workers': args.workers, 'batch_size': args.batch_size,
        'peak_rss_mib': round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }))


if __name__ == '__main__':
    main()
