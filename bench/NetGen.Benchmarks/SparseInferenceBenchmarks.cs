using System;
using BenchmarkDotNet.Attributes;
using NetGen;

namespace NetGen.Benchmarks;

// The main job's digits network, OBD-pruned to 70 % and 90 % of its weights (Pruned/, made as
// tests/NetGen.Tests/Pruning/PrunedWeightsFilesTests says), baked three ways per file: dense (no SparseInference),
// SparseInference with the generator's measured threshold, and SparseInference with MaxSparseDensity = 1 (every layer
// sparse, whether or not that pays).

/// <summary>Pruned to 70 %, dense generated code.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Weights = "Pruned/digits-pruned-70.safetensors")]
[Input(64)]
[Dense(128, Activation.ReLU)]
[Dropout(0.8)]
[Dense(64, Activation.ReLU)]
[Dropout(0.8)]
[Dense(10, Activation.Softmax)]
public partial class Pruned70Dense;

/// <summary>Pruned to 70 %, SparseInference (the layers below the measured threshold sparse).</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Weights = "Pruned/digits-pruned-70.safetensors", SparseInference = true)]
[Input(64)]
[Dense(128, Activation.ReLU)]
[Dropout(0.8)]
[Dense(64, Activation.ReLU)]
[Dropout(0.8)]
[Dense(10, Activation.Softmax)]
public partial class Pruned70Sparse;

/// <summary>Pruned to 70 %, every layer sparse.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Weights = "Pruned/digits-pruned-70.safetensors", SparseInference = true, MaxSparseDensity = 1)]
[Input(64)]
[Dense(128, Activation.ReLU)]
[Dropout(0.8)]
[Dense(64, Activation.ReLU)]
[Dropout(0.8)]
[Dense(10, Activation.Softmax)]
public partial class Pruned70AllSparse;

/// <summary>Pruned to 90 %, dense generated code.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Weights = "Pruned/digits-pruned-90.safetensors")]
[Input(64)]
[Dense(128, Activation.ReLU)]
[Dropout(0.8)]
[Dense(64, Activation.ReLU)]
[Dropout(0.8)]
[Dense(10, Activation.Softmax)]
public partial class Pruned90Dense;

/// <summary>Pruned to 90 %, SparseInference (the layers below the measured threshold sparse).</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Weights = "Pruned/digits-pruned-90.safetensors", SparseInference = true)]
[Input(64)]
[Dense(128, Activation.ReLU)]
[Dropout(0.8)]
[Dense(64, Activation.ReLU)]
[Dropout(0.8)]
[Dense(10, Activation.Softmax)]
public partial class Pruned90Sparse;

/// <summary>Pruned to 90 %, every layer sparse.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Weights = "Pruned/digits-pruned-90.safetensors", SparseInference = true, MaxSparseDensity = 1)]
[Input(64)]
[Dense(128, Activation.ReLU)]
[Dropout(0.8)]
[Dense(64, Activation.ReLU)]
[Dropout(0.8)]
[Dense(10, Activation.Softmax)]
public partial class Pruned90AllSparse;

/// <summary>
/// Single-sample inference of the OBD-pruned digits 64-128-64-10 (issue 21): the generated dense <c>Forward</c> (the
/// baseline), <c>SparseInference</c> at the generator's threshold, every layer sparse, and the interpreted engine, on
/// the same baked weights and input. Whether sparse rows pay, and from which density, is what this measures.
/// </summary>
/// <remarks>
/// Every engine's output is checked against the dense generated one in setup (within 1e-5). The input is uniform: the
/// code's cost does not depend on the values (ReLU is branch-free).
/// </remarks>
[BenchmarkCategory("inference", "sparse")]
public class SparseInferenceBenchmarks
{
    private INetwork<float> _network = null!;
    private float[] _input = [];
    private float[] _output = [];

    /// <summary>The share of weights pruned, in per cent.</summary>
    [Params(70, 90)]
    public int Sparsity { get; set; }

    /// <summary>The dense generated network.</summary>
    [GlobalSetup(Target = nameof(GeneratedDense))]
    public void SetupDense() => Setup(Sparsity == 70 ? new Pruned70Dense() : new Pruned90Dense());

    /// <summary>SparseInference at the generator's threshold.</summary>
    [GlobalSetup(Target = nameof(GeneratedSparse))]
    public void SetupSparse() => Setup(Sparsity == 70 ? new Pruned70Sparse() : new Pruned90Sparse());

    /// <summary>Every layer sparse.</summary>
    [GlobalSetup(Target = nameof(GeneratedAllSparse))]
    public void SetupAllSparse() => Setup(Sparsity == 70 ? new Pruned70AllSparse() : new Pruned90AllSparse());

    /// <summary>The interpreted engine with the baked parameters.</summary>
    [GlobalSetup(Target = nameof(Interpreted))]
    public void SetupInterpreted()
    {
        var interpreted = new InterpretedNetwork<float>(Pruned70Dense.Spec);
        (Sparsity == 70 ? Pruned70Dense.BakedParameters : Pruned90Dense.BakedParameters).CopyTo(interpreted.Parameters);
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
        INetwork<float> reference = Sparsity == 70 ? new Pruned70Dense() : new Pruned90Dense();
        var expected = new float[10];
        reference.Forward(_input, expected);
        network.Forward(_input, _output);
        Fixtures.CheckClose(network.GetType().Name, expected, _output);
    }
}
