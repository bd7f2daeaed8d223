"""A small CNN trained the way PyTorch's MNIST example does it, with a learning-rate schedule and a
checkpoint that is saved after every epoch and resumed mid-training.

This is a PyTorch script. tests/test_ports.py runs it as it is, and again with only its imports
changed to minigrad's, and compares the two runs.
"""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 3, 1, padding=1)
        self.bn1 = nn.BatchNorm2d(6)
        self.conv2 = nn.Conv2d(6, 8, 3, 1, groups=2)
        self.pool = nn.AdaptiveAvgPool2d((2, 2))
        self.fc1 = nn.Linear(32, 16)
        self.fc2 = nn.Linear(16, 4)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.max_pool2d(x, 2, ceil_mode=True)
        x = F.relu(self.conv2(x))
        x = self.pool(x)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = self.fc2(x)
        return F.log_softmax(x, dim=1)


def train(model, device, train_loader, optimizer, epoch, log):
    model.train()
    for batch_idx, (data, target) in enumerate(train_loader):
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        log.append(loss.item())
        if batch_idx % 4 == 0:
            print(f"Train Epoch: {epoch} [{batch_idx * len(data)}/{len(train_loader.dataset)}]\tLoss: {loss:.6f}")


def test(model, device, test_loader):
    model.eval()
    test_loss = 0
    correct = 0
    with torch.no_grad():
        for data, target in test_loader:
            data, target = data.to(device), target.to(device)
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction="sum").item()
            pred = output.argmax(dim=1, keepdim=True)
            correct += pred.eq(target.view_as(pred)).sum().item()
    test_loss /= len(test_loader.dataset)
    print(f"Test set: Average loss: {test_loss:.4f}, Accuracy: {correct}/{len(test_loader.dataset)}")
    return test_loss, correct


def make(device, workdir):
    model = Net().to(device)
    init = np.load(f"{workdir}/init.npz")
    model.load_state_dict({k: torch.from_numpy(v) for k, v in init.items()})
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.7)
    return model, optimizer, scheduler


def main(workdir, epochs=3):
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    data = np.load(f"{workdir}/data.npz")
    train_set = TensorDataset(torch.from_numpy(data["x_train"]), torch.from_numpy(data["y_train"]))
    test_set = TensorDataset(torch.from_numpy(data["x_test"]), torch.from_numpy(data["y_test"]))
    order = data["order"].tolist()  # the same shuffled order for both frameworks
    train_loader = DataLoader(train_set, batch_size=16, sampler=order)
    test_loader = DataLoader(test_set, batch_size=50)

    model, optimizer, scheduler = make(device, workdir)
    log, lrs, tests = [], [], []
    for epoch in range(1, epochs + 1):
        train(model, device, train_loader, optimizer, epoch, log)
        tests.append(test(model, device, test_loader))
        scheduler.step()
        lrs.append(scheduler.get_last_lr()[0])
        checkpoint = {
            "epoch": epoch,
            "model_state_dict": model.state_dict(),
            "optimizer_state_dict": optimizer.state_dict(),
            "scheduler_state_dict": scheduler.state_dict(),
            "loss": log[-1],
        }
        torch.save(checkpoint, f"{workdir}/checkpoint_{epoch}.pt")

    # resume from the checkpoint of epoch 1 in a fresh model, optimizer and scheduler, and train on
    model, optimizer, scheduler = make(device, workdir)
    checkpoint = torch.load(f"{workdir}/checkpoint_1.pt")
    model.load_state_dict(checkpoint["model_state_dict"])
    optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
    scheduler.load_state_dict(checkpoint["scheduler_state_dict"])
    resumed = []
    for epoch in range(checkpoint["epoch"] + 1, epochs + 1):
        train(model, device, train_loader, optimizer, epoch, resumed)
        scheduler.step()
    final = {k: v.detach().cpu().numpy() for k, v in model.state_dict().items()}
    return {"losses": log, "lrs": lrs, "tests": tests, "resumed": resumed, "final": final}
