using NetGen;

namespace NetGen.Tabular.Tests;

// Iris: 4 features, 3 classes.
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(4)]
[Dense(16, Activation.ReLU)]
[Dense(3, Activation.Softmax)]
public partial class IrisNet;

// The same network shipped as the README's tabular example ships it: weights and standardizer baked in from the file
// netgen train wrote, so the class has InputScaler and ForwardRaw.
[Network(Loss = Loss.SoftmaxCrossEntropy, Weights = "iris-shipped.safetensors")]
[Input(4)]
[Dense(16, Activation.ReLU)]
[Dense(3, Activation.Softmax)]
public partial class ShippedIrisNet;

// A binary task from the digits (3 against 8, 64 pixels): one sigmoid output read as P(8).
[Network(Loss = Loss.BinaryCrossEntropy)]
[Input(64)]
[Dense(16, Activation.Tanh)]
[Dense(1, Activation.Sigmoid)]
public partial class ThreeOrEightNet;

// The same task as a two-way softmax.
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(64)]
[Dense(16, Activation.Tanh)]
[Dense(2, Activation.Softmax)]
public partial class ThreeOrEightSoftmaxNet;

// Iris setosa against the rest, as a logistic regression: one layer, for which all-zero weights are a fine start.
[Network(Loss = Loss.BinaryCrossEntropy)]
[Input(4)]
[Dense(1, Activation.Sigmoid)]
public partial class SetosaLogisticNet;

// Iris petal width from the other three measurements: regression.
[Network(Loss = Loss.MeanSquaredError)]
[Input(3)]
[Dense(8, Activation.Tanh)]
[Dense(1, Activation.Identity)]
public partial class PetalWidthNet;
