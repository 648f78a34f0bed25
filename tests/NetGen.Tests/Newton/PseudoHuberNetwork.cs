using System;

namespace NetGen.Tests.Newton;

/// <summary>
/// A stand-in second-order network whose objective ignores the data: C(θ) = Σ (√(1 + θᵢ²) − 1), smooth and convex,
/// with ∇C = θ / √(1 + θ²) and ∇²C = diag((1 + θ²)^(−3/2)). Far from 0 the curvature is tiny, so the undamped Newton
/// step θ ← θ − θ(1 + θ²) overshoots (from θ = 2 it lands at −8, where C is larger): the classic case for damping.
/// Its layout is one 1 → 1 identity layer, so θ = (w, b).
/// </summary>
internal sealed class PseudoHuberNetwork : ISecondOrderNetwork<double>
{
    private readonly double[] _parameters;

    public PseudoHuberNetwork(params double[] start)
    {
        Spec = new NetworkSpec(1, [new DenseLayerSpec(1, Activation.Identity)], Loss.MeanSquaredError, Precision.Double);
        _parameters = (double[])start.Clone();
        NetworkGuard.CheckLength(_parameters.Length, Spec.ParameterCount, nameof(start), "parameters");
    }

    public NetworkSpec Spec { get; }

    public Span<double> Parameters => _parameters;

    public void Forward(ReadOnlySpan<double> input, Span<double> output) => output.Clear();

    public NetworkWorkspace CreateWorkspace(int batchCapacity) => new Workspace(Spec, batchCapacity);

    // The objective ignores the data, so every weighting of the samples gives the same mean.
    public double ComputeLoss(ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets, ReadOnlySpan<double> sampleWeights, NetworkWorkspace workspace) =>
        ComputeLoss(inputs, targets, workspace);

    public double ComputeLossAndGradient(ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets, ReadOnlySpan<double> sampleWeights, Span<double> gradient, NetworkWorkspace workspace, SeededRandom? dropoutRandom = null) =>
        ComputeLossAndGradient(inputs, targets, gradient, workspace, dropoutRandom);

    public double ComputeCurvatureProduct(ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets, ReadOnlySpan<double> sampleWeights, ReadOnlySpan<double> vector, Span<double> product, NetworkWorkspace workspace, CurvatureKind kind = CurvatureKind.Hessian, SeededRandom? dropoutRandom = null) =>
        ComputeCurvatureProduct(inputs, targets, vector, product, workspace, kind, dropoutRandom);

    public double ComputeLoss(ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets, NetworkWorkspace workspace)
    {
        double loss = 0;
        foreach (double theta in _parameters)
        {
            loss += Math.Sqrt(1 + (theta * theta)) - 1;
        }

        return loss;
    }

    public double ComputeLossAndGradient(ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets, Span<double> gradient, NetworkWorkspace workspace, SeededRandom? dropoutRandom = null)
    {
        for (int i = 0; i < _parameters.Length; i++)
        {
            gradient[i] = _parameters[i] / Math.Sqrt(1 + (_parameters[i] * _parameters[i]));
        }

        return ComputeLoss(inputs, targets, workspace);
    }

    public double ComputeCurvatureProduct(ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets, ReadOnlySpan<double> vector, Span<double> product, NetworkWorkspace workspace, CurvatureKind kind = CurvatureKind.Hessian, SeededRandom? dropoutRandom = null)
    {
        for (int i = 0; i < _parameters.Length; i++)
        {
            product[i] = vector[i] * Math.Pow(1 + (_parameters[i] * _parameters[i]), -1.5);
        }

        return ComputeLoss(inputs, targets, workspace);
    }

    private sealed class Workspace(NetworkSpec spec, int batchCapacity) : NetworkWorkspace(spec, batchCapacity);
}
