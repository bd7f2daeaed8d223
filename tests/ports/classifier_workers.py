"""An MLP classifier with the pieces of a modern PyTorch training script: a Dataset class loaded by
DataLoader worker processes, AdamW with a OneCycleLR schedule stepped per batch, label smoothing,
gradient clipping, embeddings and dropout-free evaluation under ``torch.no_grad()``.

This is a PyTorch script. tests/test_ports.py runs it as it is, and again with only its imports
changed to minigrad's, and compares the two runs.
"""

import numpy as np
import torch
import torch.nn as nn
from torch.optim import AdamW
from torch.optim.lr_scheduler import OneCycleLR
from torch.utils.data import DataLoader, Dataset


class Points(Dataset):
    """Samples (features, category, label) from arrays, one at a time (the slow, general path)."""

    def __init__(self, x, cat, y):
        self.x, self.cat, self.y = x, cat, y

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.x[i], int(self.cat[i]), int(self.y[i])


class Classifier(nn.Module):
    def __init__(self, n_in, n_cat, n_out):
        super().__init__()
        self.embed = nn.Embedding(n_cat, 4)
        self.body = nn.Sequential(nn.Linear(n_in + 4, 32), nn.LayerNorm(32), nn.GELU(), nn.Linear(32, n_out))

    def forward(self, x, cat):
        return self.body(torch.cat([x, self.embed(cat)], dim=1))


def main(workdir, epochs=2, num_workers=2):
    data = np.load(f"{workdir}/data.npz")
    train_set = Points(data["x_train"], data["cat_train"], data["y_train"])
    loader = DataLoader(train_set, batch_size=32, sampler=data["order"].tolist(), num_workers=num_workers)
    model = Classifier(data["x_train"].shape[1], 5, 3)
    model.load_state_dict({k: torch.from_numpy(v) for k, v in np.load(f"{workdir}/init.npz").items()})
    optimizer = AdamW(model.parameters(), lr=3e-3, weight_decay=0.05)
    scheduler = OneCycleLR(optimizer, max_lr=1e-2, epochs=epochs, steps_per_epoch=len(loader))
    criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
    losses, norms = [], []
    for epoch in range(epochs):
        model.train()
        for x, cat, y in loader:
            loss = criterion(model(x, cat), y)
            optimizer.zero_grad()
            loss.backward()
            norms.append(float(nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)))
            optimizer.step()
            scheduler.step()
            losses.append(loss.item())
        print(f"epoch {epoch}: loss {losses[-1]:.4f}, lr {scheduler.get_last_lr()[0]:.2e}")
    model.eval()
    with torch.no_grad():
        x = torch.from_numpy(data["x_test"])
        logits = model(x, torch.from_numpy(data["cat_test"]))
        probs = logits.softmax(dim=1)
        top2 = probs.topk(2, dim=1).indices
        accuracy = (logits.argmax(dim=1) == torch.from_numpy(data["y_test"])).float().mean().item()
    return {"losses": losses, "norms": norms, "accuracy": accuracy, "top2": top2.numpy(), "probs": probs.numpy()}
