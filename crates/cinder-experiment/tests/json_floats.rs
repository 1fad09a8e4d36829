//! Run directories keep losses and accuracies in JSON (`progress/`, fine-tuning `state.json`);
//! a resumed run must read back exactly what was written. serde_json's default float parser can
//! be one unit in the last place off; the workspace enables its `float_roundtrip` parser.

#[test]
fn floats_survive_a_json_round_trip_exactly() {
    // 1.1698905229568481 is a fine-tuning loss that came back as 1.169890522956848.
    let mut values = vec![
        1.169_890_522_956_848_1_f64,
        0.1 + 0.2,
        1e-300,
        5e-324,
        2.0 / 3.0,
    ];
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..10_000 {
        state = cinder_graph::splitmix64(state);
        values.push(f64::from_bits(state >> 2));
    }
    for value in values.into_iter().filter(|v| v.is_finite()) {
        let text = serde_json::to_string(&value).unwrap();
        let back: f64 = serde_json::from_str(&text).unwrap();
        assert_eq!(
            back.to_bits(),
            value.to_bits(),
            "{value:?} written as {text}"
        );
    }
}
