using NetGen;

namespace NetGen.Samples.Train;

/// <summary>
/// The default network of the training job, for the UCI digits (8×8 images, 64 standardised pixels, 10 classes):
/// 64-128-64-10, ReLU hidden layers with dropout, softmax output trained on cross-entropy.
/// </summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(64)]
[Dense(128, Activation.ReLU)]
[Dropout(0.8)]
[Dense(64, Activation.ReLU)]
[Dropout(0.8)]
[Dense(10, Activation.Softmax)]
public partial class DigitsMlp;

/// <summary>
/// The network for Fashion-MNIST (28×28 grey images, 784 standardised pixels, 10 classes): 784-256-128-10, ReLU hidden
/// layers with dropout, softmax output trained on cross-entropy.
/// </summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(784)]
[Dense(256, Activation.ReLU)]
[Dropout(0.8)]
[Dense(128, Activation.ReLU)]
[Dropout(0.8)]
[Dense(10, Activation.Softmax)]
public partial class FashionMlp;
