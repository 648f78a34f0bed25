using System;
using BenchmarkDotNet.Attributes;

namespace NetGen.Benchmarks;

/// <summary>
/// One exact Hessian-vector product H·v of the mean softmax cross-entropy over a batch of 32 (Pearlmutter's R-operator:
/// a forward and a backward pass of the directional derivative), generated vs interpreted on the same weights.
/// </summary>
[BenchmarkCategory("curvature")]
public class HessianVectorProduct
{
    private const int Batch = 32;
    private ISecondOrderNetwork<float> _network = null!;
    private NetworkWorkspace _workspace = null!;
    private float[] _inputs = [];
    private float[] _targets = [];
    private float[] _vector = [];
    private float[] _product = [];

    /// <summary>The network shape.</summary>
    [Params("64-32-10", "784-128-10")]
    public string Shape { get; set; } = "64-32-10";

    /// <summary>The generated network of <see cref="Shape"/>, or its interpreted twin.</summary>
    private void Setup(bool generated)
    {
        ISecondOrderNetwork<float> network = Shape switch
        {
            "64-32-10" => new Digits643210(),
            "784-128-10" => new Mnist78412810(),
            _ => throw new ArgumentException($"Unknown shape {Shape}."),
        };
        network.InitializeParameters(Fixtures.WeightSeed);
        if (!generated)
        {
            var interpreted = new InterpretedNetwork<float>(network.Spec);
            network.Parameters.CopyTo(interpreted.Parameters);
            network = interpreted;
        }

        _network = network;
        _workspace = network.CreateWorkspace(Batch);
        _inputs = Fixtures.Uniform(Batch * network.Spec.InputSize, seed: 3);
        _targets = Fixtures.Targets(network.Spec, Batch, seed: 4, out _);
        _vector = Fixtures.Uniform(network.Spec.ParameterCount, seed: 5);
        _product = new float[network.Spec.ParameterCount];
    }

    /// <summary>Sets up the generated network.</summary>
    [GlobalSetup(Target = nameof(Generated))]
    public void SetupGenerated() => Setup(generated: true);

    /// <summary>Sets up the interpreted twin.</summary>
    [GlobalSetup(Target = nameof(Interpreted))]
    public void SetupInterpreted() => Setup(generated: false);

    /// <summary>H·v by the generated code.</summary>
    [Benchmark(Baseline = true, Description = "NetGen generated")]
    public float Generated() => _network.ComputeCurvatureProduct(_inputs, _targets, _vector, _product, _workspace, CurvatureKind.Hessian);

    /// <summary>H·v by the interpreted engine.</summary>
    [Benchmark(Description = "NetGen interpreted")]
    public float Interpreted() => _network.ComputeCurvatureProduct(_inputs, _targets, _vector, _product, _workspace, CurvatureKind.Hessian);
}
