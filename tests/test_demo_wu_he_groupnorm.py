"""demos/reproductions/wu_he_groupnorm.py --quick: four normalisations of a small CNN at batch sizes 32, 8, 2.

At this scale the paper's effect does not show (see docs/reproductions.md): BatchNorm at batch 2 is no
worse than GroupNorm, whose statistics come from each image alone. The test checks what the demo shows."""

from tests.demo_helpers import requires_fashion, run_quick

pytestmark = requires_fashion


def test_every_normalisation_learns_and_batchnorm_at_batch_2_keeps_up_with_groupnorm(tmp_path):
    rec = run_quick("wu_he_groupnorm", tmp_path)
    runs = rec["runs"]
    assert set(runs) == {"BatchNorm", "GroupNorm", "LayerNorm", "InstanceNorm"}
    for name, r in runs.items():
        assert set(r) == {"32", "8", "2"}, name
        for b, c in r.items():
            assert c["error"][0] > 0.75 and c["final_error"] < c["error"][0] - 0.05, (name, b)  # from chance, it learns
            assert c["examples_seen"][-1] == rec["config"]["examples"]
        assert r["2"]["final_error"] < 0.6, name
    assert runs["BatchNorm"]["2"]["final_error"] < runs["GroupNorm"]["2"]["final_error"] + 0.05
