#!/usr/bin/python3
"""Trains the model samples/FromPyTorch compiles: a PyTorch MLP on the UCI digits, exported to ONNX.

    /usr/bin/python3 samples/FromPyTorch/train.py     # writes samples/FromPyTorch/digits.onnx

Debian's python3-torch (1.13) and python3-onnx (1.12): apt-get install -y python3-torch python3-onnx. The C# sample and
CI need no Python; they use the committed digits.onnx.

The 8x8 digits of data/digits.csv.gz (pixels 0..16) are enlarged to MNIST's 28x28 by nearest-neighbour sampling (pixel
(r, c) of the large image is pixel ((r + 2) // 4, (c + 2) // 4) of the small one: each small pixel becomes 4x4, and
2 pixels are cut from each border), so the model is a 784-wide network in MNIST's input format, [batch, 1, 28, 28].
It normalizes its raw 0..16 input itself ((x - mean) / std, which NetGen folds into the first layer) and ends in a
softmax, so it returns class probabilities.
"""
import csv
import gzip
import os

import numpy as np
import onnx
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "data", "digits.csv.gz")
OUTPUT = os.path.join(HERE, "digits.onnx")
ENLARGE = (np.arange(28) + 2) // 4  # the small-image row (or column) of each large-image row (or column)


def load_digits():
    with gzip.open(DATA, "rt") as f:
        rows = [[float(v) for v in row] for row in csv.reader(f)]
    data = np.array(rows, dtype=np.float32)
    small = data[:, :64].reshape(-1, 8, 8)
    images = small[:, ENLARGE][:, :, ENLARGE].reshape(-1, 1, 28, 28)
    return images, data[:, 64].astype(np.int64)


class Normalize(nn.Module):
    """(x - mean) / std over all pixels, with the training images' mean and standard deviation as buffers."""

    def __init__(self, mean, std):
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32))

    def forward(self, x):
        return (x - self.mean) / self.std


def main():
    torch.manual_seed(0)
    images, labels = load_digits()
    order = np.random.default_rng(0).permutation(len(labels))
    train, test = order[:1437], order[1437:]  # 80 % to train on, 20 % held out

    x = torch.from_numpy(images)
    y = torch.from_numpy(labels)
    mean, std = float(images[train].mean()), float(images[train].std())
    model = nn.Sequential(Normalize(mean, std), nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))

    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)
    loss_function = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(0)
    for epoch in range(30):
        model.train()
        for batch in torch.randperm(len(train), generator=generator).split(32):
            index = torch.from_numpy(train)[batch]
            optimizer.zero_grad()
            loss = loss_function(model(x[index]), y[index])
            loss.backward()
            optimizer.step()

    model.eval()
    with torch.no_grad():
        accuracy = lambda rows: (model(x[rows]).argmax(1) == y[rows]).float().mean().item()
        print(f"train accuracy {accuracy(torch.from_numpy(train)):.4f}, test accuracy {accuracy(torch.from_numpy(test)):.4f}")

    # The exported model returns probabilities: the classifier with a softmax on its output.
    exported = nn.Sequential(model, nn.Softmax(dim=1)).eval()
    torch.onnx.export(
        exported, torch.zeros(1, 1, 28, 28), OUTPUT, opset_version=17, input_names=["image"], output_names=["probabilities"],
        dynamic_axes={"image": {0: "batch"}, "probabilities": {0: "batch"}})
    onnx.checker.check_model(onnx.load(OUTPUT))
    print(f"wrote {OUTPUT} ({os.path.getsize(OUTPUT)} bytes)")


if __name__ == "__main__":
    main()
