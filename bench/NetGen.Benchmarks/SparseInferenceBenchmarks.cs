using System;
using System.Collections.Generic;
using BenchmarkDotNet.Attributes;
using NetGen;

namespace NetGen.Benchmarks;

// The main job's digits network 64-128-64-10, pruned (Pruned/, made as tests/NetGen.Tests/Pruning/PrunedWeightsFilesTests
// says): by OBD to 70 % and 90 % of its weights (OBD keeps most of the output layer), and by magnitude to 85 % and 90 % in
// every layer alike. Each file is baked three ways: dense (no SparseInference), SparseInference at the generator's
// threshold, and SparseInference with MaxSparseDensity = 1 (every layer sparse that the term budget allows).

/// <summary>Digits OBD-pruned to 70 % (global): dense generated code.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Weights = "Pruned/digits-pruned-70.safetensors")]
[Input(64)]
[Dense(128, Activation.ReLU)]
[Dropout(0.8)]
[Dense(64, Activation.ReLU)]
[Dropout(0.8)]
[Dense(10, Activation.Softmax)]
public partial class Obd70Dense;

/// <summary>Digits OBD-pruned to 70 % (global): SparseInference at the generator's threshold.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Weights = "Pruned/digits-pruned-70.safetensors", SparseInference = true)]
[Input(64)]
[Dense(128, Activation.ReLU)]
[Dropout(0.8)]
[Dense(64, Activation.ReLU)]
[Dropout(0.8)]
[Dense(10, Activation.Softmax)]
public partial class Obd70Sparse;

/// <summary>Digits OBD-pruned to 70 % (global): every layer sparse.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Weights = "Pruned/digits-pruned-70.safetensors", SparseInference = true, MaxSparseDensity = 1)]
[Input(64)]
[Dense(128, Activation.ReLU)]
[Dropout(0.8)]
[Dense(64, Activation.ReLU)]
[Dropout(0.8)]
[Dense(10, Activation.Softmax)]
public partial class Obd70AllSparse;

/// <summary>Digits OBD-pruned to 90 % (global): dense generated code.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Weights = "Pruned/digits-pruned-90.safetensors")]
[Input(64)]
[Dense(128, Activation.ReLU)]
[Dropout(0.8)]
[Dense(64, Activation.ReLU)]
[Dropout(0.8)]
[Dense(10, Activation.Softmax)]
public partial class Obd90Dense;

/// <summary>Digits OBD-pruned to 90 % (global): SparseInference at the generator's threshold.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Weights = "Pruned/digits-pruned-90.safetensors", SparseInference = true)]
[Input(64)]
[Dense(128, Activation.ReLU)]
[Dropout(0.8)]
[Dense(64, Activation.ReLU)]
[Dropout(0.8)]
[Dense(10, Activation.Softmax)]
public partial class Obd90Sparse;

/// <summary>Digits OBD-pruned to 90 % (global): every layer sparse.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Weights = "Pruned/digits-pruned-90.safetensors", SparseInference = true, MaxSparseDensity = 1)]
[Input(64)]
[Dense(128, Activation.ReLU)]
[Dropout(0.8)]
[Dense(64, Activation.ReLU)]
[Dropout(0.8)]
[Dense(10, Activation.Softmax)]
public partial class Obd90AllSparse;

/// <summary>Digits pruned to 85 % in every layer: dense generated code.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Weights = "Pruned/digits-layers-85.safetensors")]
[Input(64)]
[Dense(128, Activation.ReLU)]
[Dropout(0.8)]
[Dense(64, Activation.ReLU)]
[Dropout(0.8)]
[Dense(10, Activation.Softmax)]
public partial class Layers85Dense;

/// <summary>Digits pruned to 85 % in every layer: SparseInference at the generator's threshold.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Weights = "Pruned/digits-layers-85.safetensors", SparseInference = true)]
[Input(64)]
[Dense(128, Activation.ReLU)]
[Dropout(0.8)]
[Dense(64, Activation.ReLU)]
[Dropout(0.8)]
[Dense(10, Activation.Softmax)]
public partial class Layers85Sparse;

/// <summary>Digits pruned to 85 % in every layer: every layer sparse.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Weights = "Pruned/digits-layers-85.safetensors", SparseInference = true, MaxSparseDensity = 1)]
[Input(64)]
[Dense(128, Activation.ReLU)]
[Dropout(0.8)]
[Dense(64, Activation.ReLU)]
[Dropout(0.8)]
[Dense(10, Activation.Softmax)]
public partial class Layers85AllSparse;

/// <summary>Digits pruned to 90 % in every layer: dense generated code.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Weights = "Pruned/digits-layers-90.safetensors")]
[Input(64)]
[Dense(128, Activation.ReLU)]
[Dropout(0.8)]
[Dense(64, Activation.ReLU)]
[Dropout(0.8)]
[Dense(10, Activation.Softmax)]
public partial class Layers90Dense;

/// <summary>Digits pruned to 90 % in every layer: SparseInference at the generator's threshold.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Weights = "Pruned/digits-layers-90.safetensors", SparseInference = true)]
[Input(64)]
[Dense(128, Activation.ReLU)]
[Dropout(0.8)]
[Dense(64, Activation.ReLU)]
[Dropout(0.8)]
[Dense(10, Activation.Softmax)]
public partial class Layers90Sparse;

/// <summary>Digits pruned to 90 % in every layer: every layer sparse.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Weights = "Pruned/digits-layers-90.safetensors", SparseInference = true, MaxSparseDensity = 1)]
[Input(64)]
[Dense(128, Activation.ReLU)]
[Dropout(0.8)]
[Dense(64, Activation.ReLU)]
[Dropout(0.8)]
[Dense(10, Activation.Softmax)]
public partial class Layers90AllSparse;

/// <summary>
/// Single-sample inference of the pruned digits 64-128-64-10 (issue 21): the generated dense <c>Forward</c> (the
/// baseline), <c>SparseInference</c> at the generator's threshold, every layer sparse, and the interpreted engine, on the
/// same baked weights and input. Where sparse rows pay, and from which density, is what this measures.
/// </summary>
/// <remarks>
/// Every engine's output is checked against the dense generated one in setup (within 1e-5). The input is uniform: the
/// code's cost does not depend on the values (ReLU is branch-free).
/// </remarks>
[BenchmarkCategory("inference", "sparse")]
public class SparseInferenceBenchmarks
{
    // Per weights file: the dense, threshold and every-layer networks, and the baked parameters.
    private static readonly Dictionary<string, (Func<INetwork<float>> Dense, Func<INetwork<float>> Sparse, Func<INetwork<float>> AllSparse)> Networks = new()
    {
        ["digits-pruned-70"] = (() => new Obd70Dense(), () => new Obd70Sparse(), () => new Obd70AllSparse()),
        ["digits-pruned-90"] = (() => new Obd90Dense(), () => new Obd90Sparse(), () => new Obd90AllSparse()),
        ["digits-layers-85"] = (() => new Layers85Dense(), () => new Layers85Sparse(), () => new Layers85AllSparse()),
        ["digits-layers-90"] = (() => new Layers90Dense(), () => new Layers90Sparse(), () => new Layers90AllSparse()),
    };

    private INetwork<float> _network = null!;
    private float[] _input = [];
    private float[] _output = [];

    /// <summary>The weights file (Pruned/).</summary>
    [Params("digits-pruned-70", "digits-pruned-90", "digits-layers-85", "digits-layers-90")]
    public string Weights { get; set; } = "";

    /// <summary>The dense generated network.</summary>
    [GlobalSetup(Target = nameof(GeneratedDense))]
    public void SetupDense() => Setup(Networks[Weights].Dense());

    /// <summary>SparseInference at the generator's threshold.</summary>
    [GlobalSetup(Target = nameof(GeneratedSparse))]
    public void SetupSparse() => Setup(Networks[Weights].Sparse());

    /// <summary>Every layer sparse.</summary>
    [GlobalSetup(Target = nameof(GeneratedAllSparse))]
    public void SetupAllSparse() => Setup(Networks[Weights].AllSparse());

    /// <summary>The interpreted engine with the baked parameters.</summary>
    [GlobalSetup(Target = nameof(Interpreted))]
    public void SetupInterpreted()
    {
        var dense = Networks[Weights].Dense();
        var interpreted = new InterpretedNetwork<float>(dense.Spec);
        dense.Parameters.CopyTo(interpreted.Parameters);
        Setup(interpreted);
    }

    /// <summary>The generated dense Forward.</summary>
    [Benchmark(Baseline = true, Description = "NetGen generated, dense")]
    public void GeneratedDense() => _network.Forward(_input, _output);

    /// <summary>The generated Forward with SparseInference at the default threshold.</summary>
    [Benchmark(Description = "NetGen generated, SparseInference")]
    public void GeneratedSparse() => _network.Forward(_input, _output);

    /// <summary>The generated Forward with every layer sparse.</summary>
    [Benchmark(Description = "NetGen generated, every layer sparse")]
    public void GeneratedAllSparse() => _network.Forward(_input, _output);

    /// <summary>The interpreted engine.</summary>
    [Benchmark(Description = "NetGen interpreted")]
    public void Interpreted() => _network.Forward(_input, _output);

    private void Setup(INetwork<float> network)
    {
        _network = network;
        _input = Fixtures.Uniform(64, seed: 2);
        _output = new float[10];
        var expected = new float[10];
        Networks[Weights].Dense().Forward(_input, expected);
        network.Forward(_input, _output);
        Fixtures.CheckClose(network.GetType().Name, expected, _output);
    }
}
