"""Wu & He (2018), "Group normalization", figure 1, with a small convolutional network.

    python demos/reproductions/wu_he_groupnorm.py           # about 50 s of one core
    python demos/reproductions/wu_he_groupnorm.py --quick   # a few seconds (what the tests run)

The paper: on ImageNet (ResNet-50), BatchNorm's error rises quickly as the batch per GPU shrinks
(from 32 to 2 images), while GroupNorm's stays the same, because GroupNorm's statistics come from
each image alone. Here a small CNN, Conv2d(3x3) -> norm -> ReLU -> MaxPool twice (32 then 64
channels) and a Linear layer, is trained on 3200 Fashion-MNIST images (the same images, in the same
order, at every batch size) with BatchNorm2d, GroupNorm (32 groups; 16 where a layer has only 32
channels, so that a group holds two channels), LayerNorm (GroupNorm with one group: each image's C,
H, W together, as Wu & He define it) or InstanceNorm (one channel per group), at batch sizes 32, 8
and 2, with SGD (momentum 0.9) and the learning rate scaled with the batch, 0.1 x B / 32, as in the
paper. Test error with BN in eval mode.

Laptop scale: 14 x 14 images (Fashion-MNIST shrunk by 2 x 2 averaging), a 3-layer CNN and 3200
training images, instead of ResNet-50 on ImageNet for 100 epochs. Writes wu_he_groupnorm.png and
wu_he_groupnorm.json into --out.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # demos/: common.py and figures/

from ba_layernorm import batch_size_runs, print_errors
from common import arguments, bar, cnn, fashion, save_outputs, single_threaded
from figures import wu_he_groupnorm as figures

from minigrad import nn, optim

SETTINGS = {
    "full": {"examples": 3200, "evals": 4, "test": 1000},
    "quick": {"examples": 480, "evals": 1, "test": 300},
}
CHANNELS = (32, 64)
BATCH_SIZES = (32, 8, 2)
NORMS = {  # name: the layer for c channels
    "BatchNorm": nn.BatchNorm2d,
    "GroupNorm": lambda c: nn.GroupNorm(min(32, c // 2), c),
    "LayerNorm": lambda c: nn.GroupNorm(1, c),
    "InstanceNorm": lambda c: nn.GroupNorm(c, c),
}


def build(norm, device):
    return cnn(CHANNELS, nn.ReLU, norm=norm, image_size=14, device=device)


def sgd(parameters, batch_size):
    """SGD with momentum 0.9 and Wu & He's learning rate, 0.1 x B / 32."""
    return optim.SGD(parameters, lr=0.1 * batch_size / 32, momentum=0.9)


def main(argv=None):
    args, cfg = arguments(__file__, __doc__, SETTINGS, argv)
    data = fashion(cfg["examples"], cfg["test"], seed=args.seed, standardize=True, image_size=14)
    with single_threaded():
        progress = bar(len(NORMS) * sum(cfg["examples"] // b for b in BATCH_SIZES), "training", args)
        runs = batch_size_runs(NORMS, BATCH_SIZES, build, sgd, data, cfg, args.seed, progress, args.device)
        progress.close()
    cfg = {**cfg, "seed": args.seed, "quick": args.quick, "channels": list(CHANNELS), "batch_sizes": list(BATCH_SIZES)}
    record = {"config": cfg, "runs": runs}
    print_errors(runs, BATCH_SIZES, cfg["examples"])
    return save_outputs(args, record, {"wu_he_groupnorm.png": figures.wu_he_groupnorm(record)})


if __name__ == "__main__":
    main()
