"""demos/reproductions/swish_mish.py --quick: deep BN networks keep learning with Mish and Swish longer than with
ReLU; a random ReLU network is piecewise linear, Swish and Mish ones are smooth."""

from tests.demo_helpers import requires_fashion, run_quick

pytestmark = requires_fashion


def test_depth_and_landscape(tmp_path):
    rec = run_quick("swish_mish", tmp_path)
    shallow, deep = (str(d) for d in rec["config"]["depths"])
    err = {name: {d: sum(e) / len(e) for d, e in r.items()} for name, r in rec["depth"].items()}
    assert max(e[shallow] for e in err.values()) - min(e[shallow] for e in err.values()) < 0.05  # alike when shallow
    assert err["ReLU"][deep] > max(err["Swish"][deep], err["Mish"][deep]) + 0.1  # ReLU falls behind when deep
    surface = rec["landscape"]
    steps = surface["line_steps"]
    assert surface["ReLU"]["slope_changes"] < 0.1 * steps  # linear between the kinks
    assert surface["Swish"]["slope_changes"] > 0.9 * steps and surface["Mish"]["slope_changes"] > 0.9 * steps
