"""A character-level MLP language model in the style of makemore (Bengio et al. 2003, as taught in
"building makemore"): raw tensors for the parameters, an embedding lookup ``C[X]``, and the manual
update ``p.data += -lr * p.grad``.

This is a PyTorch script. tests/test_ports.py runs it as it is, and again with only its imports
changed to minigrad's, and compares the two runs.
"""

import torch
import torch.nn.functional as F


def build_dataset(words, stoi, block_size):
    X, Y = [], []
    for w in words:
        context = [0] * block_size
        for ch in w + ".":
            ix = stoi[ch]
            X.append(context)
            Y.append(ix)
            context = context[1:] + [ix]
    return torch.tensor(X), torch.tensor(Y)


def main(words, init, batches, block_size=3):
    chars = sorted(set("".join(words)))
    stoi = {s: i + 1 for i, s in enumerate(chars)}
    stoi["."] = 0
    itos = {i: s for s, i in stoi.items()}
    n1, n2 = int(0.8 * len(words)), int(0.9 * len(words))
    Xtr, Ytr = build_dataset(words[:n1], stoi, block_size)
    Xdev, Ydev = build_dataset(words[n1:n2], stoi, block_size)

    C = torch.tensor(init["C"])
    W1 = torch.tensor(init["W1"])
    b1 = torch.tensor(init["b1"])
    W2 = torch.tensor(init["W2"])
    b2 = torch.tensor(init["b2"])
    parameters = [C, W1, b1, W2, b2]
    print(sum(p.nelement() for p in parameters))
    for p in parameters:
        p.requires_grad = True

    lossi = []
    for i, ix in enumerate(batches):
        ix = torch.tensor(ix)
        emb = C[Xtr[ix]]
        h = torch.tanh(emb.view(-1, W1.shape[0]) @ W1 + b1)
        logits = h @ W2 + b2
        loss = F.cross_entropy(logits, Ytr[ix])
        for p in parameters:
            p.grad = None
        loss.backward()
        lr = 0.1 if i < len(batches) // 2 else 0.01
        for p in parameters:
            p.data += -lr * p.grad
        lossi.append(loss.log10().item())

    with torch.no_grad():
        emb = C[Xdev]
        h = torch.tanh(emb.view(emb.shape[0], -1) @ W1 + b1)
        dev_loss = F.cross_entropy(h @ W2 + b2, Ydev).item()

    g = torch.Generator().manual_seed(2147483647)
    samples = []
    for _ in range(5):
        out, context = [], [0] * block_size
        while len(out) < 20:
            emb = C[torch.tensor([context])]
            h = torch.tanh(emb.view(1, -1) @ W1 + b1)
            probs = F.softmax(h @ W2 + b2, dim=1)
            ix = torch.multinomial(probs, num_samples=1, generator=g).item()
            context = context[1:] + [ix]
            if ix == 0:
                break
            out.append(itos[ix])
        samples.append("".join(out))
    return {"lossi": lossi, "dev_loss": dev_loss, "samples": samples, "C": C.detach().numpy()}
