using NetGen;

namespace NetGen.Tests.Networks;

/// <summary>
/// The main job's 64-128-64-10 digits network, OBD-pruned to 90 % (Pruning/PrunedWeightsFilesTests), baked with
/// SparseInference: Forward skips the pruned weights in the layers sparse enough to pay.
/// </summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Weights = "Pruned/digits-pruned-90.safetensors", SparseInference = true)]
[Input(64)]
[Dense(128, Activation.ReLU)]
[Dropout(0.8)]
[Dense(64, Activation.ReLU)]
[Dropout(0.8)]
[Dense(10, Activation.Softmax)]
public partial class SparsePrunedDigitsNet;

/// <summary>The same, with every layer written sparse (MaxSparseDensity = 1), the softmax output layer included.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Weights = "Pruned/digits-pruned-90.safetensors", SparseInference = true, MaxSparseDensity = 1)]
[Input(64)]
[Dense(128, Activation.ReLU)]
[Dropout(0.8)]
[Dense(64, Activation.ReLU)]
[Dropout(0.8)]
[Dense(10, Activation.Softmax)]
public partial class AllSparsePrunedDigitsNet;

/// <summary>The same weights baked without SparseInference: the dense generated code.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Weights = "Pruned/digits-pruned-90.safetensors")]
[Input(64)]
[Dense(128, Activation.ReLU)]
[Dropout(0.8)]
[Dense(64, Activation.ReLU)]
[Dropout(0.8)]
[Dense(10, Activation.Softmax)]
public partial class DensePrunedDigitsNet;
