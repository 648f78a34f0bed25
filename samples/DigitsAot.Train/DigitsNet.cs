using NetGen;

namespace NetGen.Samples.DigitsAot.Train;

/// <summary>
/// The digits classifier of samples/DigitsAot, without baked weights: this program trains it and writes the weights
/// file that DigitsAot bakes in. The two declarations must agree, which the weights file's netgen.spec metadata checks
/// at DigitsAot's build (NG0025 otherwise).
/// </summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(64)]
[Dense(32, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
public partial class DigitsNet;
