using NetGen;

namespace NetGen.Training.Tests;

/// <summary>FANN's XOR example network: 2-3-1, tanh hidden and output units (FANN_SIGMOID_SYMMETRIC, steepness 1),
/// quadratic cost; single precision as in FANN.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(2)]
[Dense(3, Activation.Tanh)]
[Dense(1, Activation.Tanh)]
internal partial class FannXorNet;

/// <summary>The same network in double precision, for engine comparisons.</summary>
[Network(Loss = Loss.MeanSquaredError, Precision = Precision.Double)]
[Input(2)]
[Dense(3, Activation.Tanh)]
[Dense(1, Activation.Tanh)]
internal partial class FannXorDoubleNet;

/// <summary>A small classifier with dropout in both places, for checkpoint and clipping tests: 4-12-3, double.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Precision = Precision.Double)]
[Input(4)]
[Dropout(0.9)]
[Dense(12, Activation.Tanh)]
[Dropout(0.8)]
[Dense(3, Activation.Softmax)]
internal partial class SmallDropoutClassifier;

/// <summary>The same classifier in single precision.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(4)]
[Dropout(0.9)]
[Dense(12, Activation.Tanh)]
[Dropout(0.8)]
[Dense(3, Activation.Softmax)]
internal partial class SmallDropoutClassifierFloat;

/// <summary>The classifier without dropout, for optimizers that model the objective.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Precision = Precision.Double)]
[Input(4)]
[Dense(12, Activation.Tanh)]
[Dense(3, Activation.Softmax)]
internal partial class SmallClassifier;
