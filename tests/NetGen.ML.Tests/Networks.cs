namespace NetGen.ML.Tests;

[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(64)]
[Dense(32, Activation.ReLU)]
[Dropout(0.9)]
[Dense(10, Activation.Softmax)]
public partial class MLDigitsNet;

[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(4)]
[Dense(16, Activation.ReLU)]
[Dense(3, Activation.Softmax)]
public partial class MLIrisNet;

// Iris setosa against the rest, as one sigmoid output P(setosa) …
[Network(Loss = Loss.BinaryCrossEntropy)]
[Input(4)]
[Dense(8, Activation.Tanh)]
[Dense(1, Activation.Sigmoid)]
public partial class MLSetosaNet;

// … and as a two-way softmax.
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(4)]
[Dense(8, Activation.Tanh)]
[Dense(2, Activation.Softmax)]
public partial class MLSetosaSoftmaxNet;

// Iris petal width from the other three measurements.
[Network(Loss = Loss.MeanSquaredError)]
[Input(3)]
[Dense(16, Activation.Tanh)]
[Dense(1, Activation.Identity)]
public partial class MLPetalWidthNet;

// Three classes by squared error towards one-hot targets: outputs that are not probabilities.
[Network(Loss = Loss.MeanSquaredError)]
[Input(4)]
[Dense(12, Activation.Tanh)]
[Dense(3, Activation.Identity)]
public partial class MLIrisSquaredErrorNet;

// As long a name as MLIrisNet, with another architecture: PersistenceTests renames a saved model's type to it.
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(4)]
[Dense(32, Activation.ReLU)]
[Dense(3, Activation.Softmax)]
public partial class MLWideNet;
