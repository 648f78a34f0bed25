using NetGen;

namespace NetGen.Tests.Networks;

/// <summary>784-128-10 whose Forward reads int8 weights (one scale per neuron).</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, InferenceWeights = WeightFormat.Int8)]
[Input(784)]
[Dense(128, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
public partial class Int8WideNet;

/// <summary>Three layers with odd widths, sigmoid and tanh, dropout, bfloat16 weights.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, InferenceWeights = WeightFormat.BFloat16)]
[Input(45)]
[Dropout(0.9)]
[Dense(70, Activation.Sigmoid)]
[Dense(33, Activation.Tanh)]
[Dense(9, Activation.Softmax)]
public partial class BFloat16OddNet;

/// <summary>A tiny network (trained eight samples a lane) with int8 weights: the lanes stay, Forward reads int8.</summary>
[Network(Loss = Loss.BinaryCrossEntropy, InferenceWeights = WeightFormat.Int8)]
[Input(2)]
[Dense(4, Activation.Tanh)]
[Dense(1, Activation.Sigmoid)]
public partial class Int8XorNet;

/// <summary>A forward-only int8 network with an identity output and a pooled hidden layer (9000 wide).</summary>
[Network(InferenceWeights = WeightFormat.Int8)]
[Input(5)]
[Dense(9000, Activation.LeakyReLU, LeakySlope = 0.1)]
[Dense(3, Activation.Identity)]
public partial class Int8PooledNet;

/// <summary>samples/DigitsAot's classifier, its weights baked in as int8.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Weights = "DigitsAot/digits.safetensors", InferenceWeights = WeightFormat.Int8)]
[Input(64)]
[Dense(32, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
public partial class BakedInt8DigitsNet;

/// <summary>samples/DigitsAot's classifier, its weights baked in as bfloat16.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Weights = "DigitsAot/digits.safetensors", InferenceWeights = WeightFormat.BFloat16)]
[Input(64)]
[Dense(32, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
public partial class BakedBFloat16DigitsNet;
