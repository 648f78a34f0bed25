using NetGen;

namespace NetGen.Samples.DigitsAot;

/// <summary>
/// samples/DigitsAot's classifier with its weights baked in as int8 (one scale per neuron): the generator compresses
/// digits.safetensors at compile time and the executable holds only the compressed weights.
/// </summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Weights = "digits.safetensors", InferenceWeights = WeightFormat.Int8)]
[Input(64)]
[Dense(32, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
public partial class DigitsNet;
