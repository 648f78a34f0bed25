using NetGen;

namespace NetGen.Samples.DigitsAot;

/// <summary>
/// 8×8 handwritten digits (pixels 0..16, divided by 16) → the ten classes. The weights are baked in at build time from
/// digits.safetensors: no file is read at run time.
/// </summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Weights = "digits.safetensors")]
[Input(64)]
[Dense(32, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
public partial class DigitsNet;
