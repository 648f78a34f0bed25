using NetGen;

namespace NetGen.Tests.Curvature;

/// <summary>3-6-2 tanh with a linear output, squared error: 38 parameters, small enough for dense checks.</summary>
[Network(Loss = Loss.MeanSquaredError, Precision = Precision.Double)]
[Input(3)]
[Dense(6, Activation.Tanh)]
[Dense(2, Activation.Identity)]
internal partial class SpectrumRegressionNet;

/// <summary>4-5-3 sigmoid hidden layer, softmax cross-entropy: 43 parameters.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Precision = Precision.Double)]
[Input(4)]
[Dense(5, Activation.Sigmoid)]
[Dense(3, Activation.Softmax)]
internal partial class SpectrumSoftmaxNet;

/// <summary>1-10-1 tanh for the noisy sine: 31 parameters.</summary>
[Network(Loss = Loss.MeanSquaredError, Precision = Precision.Double)]
[Input(1)]
[Dense(10, Activation.Tanh)]
[Dense(1, Activation.Identity)]
internal partial class NoisySineNet;

/// <summary>Auto MPG: 9 standardised features, 8 tanh units, miles per gallon: 89 parameters.</summary>
[Network(Loss = Loss.MeanSquaredError, Precision = Precision.Double)]
[Input(9)]
[Dense(8, Activation.Tanh)]
[Dense(1, Activation.Identity)]
internal partial class AutoMpgNet;

/// <summary>Diabetes: 10 standardised features, 8 tanh units, disease progression: 97 parameters.</summary>
[Network(Loss = Loss.MeanSquaredError, Precision = Precision.Double)]
[Input(10)]
[Dense(8, Activation.Tanh)]
[Dense(1, Activation.Identity)]
internal partial class DiabetesNet;

/// <summary>
/// The main job's digits network (64-128-64-10, ReLU hidden layers, softmax output) without its dropout layers: the
/// network the Laplace approximation assumes, a MAP estimate trained to convergence.
/// </summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(64)]
[Dense(128, Activation.ReLU)]
[Dense(64, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
internal partial class DigitsMapMlp;
