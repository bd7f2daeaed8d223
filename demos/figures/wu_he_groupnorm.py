"""The figure of demos/reproductions/wu_he_groupnorm.py: test error against batch size, per normalisation."""

from figures.ba_layernorm import error_against_batch_size

COLORS = {"BatchNorm": "tab:blue", "GroupNorm": "tab:green", "LayerNorm": "tab:orange", "InstanceNorm": "tab:purple"}


def wu_he_groupnorm(record):
    cfg = record["config"]
    title = (
        f"Wu & He (2018), figure 1, with a small CNN on 14 x 14 Fashion-MNIST: Conv-norm-ReLU-MaxPool x 2 "
        f"({cfg['channels'][0]}, {cfg['channels'][1]} channels) + Linear,\nSGD momentum 0.9, lr 0.1 x B / 32, "
        "the same images in the same order at every batch size (BatchNorm tested in eval mode)"
    )
    return error_against_batch_size(record, COLORS, title)
