using System.Linq;
using NetGen.Generator.Emit;
using NetGen.Generator.Model;
using Xunit;

namespace NetGen.Generator.Tests;

/// <summary>The emission plan picks each path for the shapes it is meant for, and says why.</summary>
public class EmissionPlanTests
{
    private static NetworkModel Model(int inputs, (int Size, ActivationKind Activation, double Keep)[] layers, LossKind? loss = LossKind.MeanSquaredError, bool isDouble = false, double inputKeep = 1.0) =>
        new(
            "Plans",
            "Net",
            "class",
            inputs,
            inputKeep,
            new EquatableArray<DenseLayerModel>(layers.Select(l => new DenseLayerModel(l.Size, l.Activation, 0.01, l.Keep)).ToArray()),
            loss,
            isDouble ? PrecisionKind.Double : PrecisionKind.Single);

    [Fact]
    public void TinyFloatNetworksAreUnrolledAndTrainInLanes()
    {
        var plan = EmissionPlan.For(Model(2, [(4, ActivationKind.Tanh, 1.0), (1, ActivationKind.Sigmoid, 1.0)], LossKind.BinaryCrossEntropy));
        Assert.Equal(ForwardPath.Unrolled, plan.Forward);
        Assert.Equal(TrainingPath.Lanes, plan.Training);
        Assert.Equal(SoftmaxPlacement.None, plan.ForwardSoftmax);
    }

    [Fact]
    public void DropoutOrDoublePrecisionKeepTinyNetworksOnTheBatchedPath()
    {
        var dropout = EmissionPlan.For(Model(2, [(4, ActivationKind.Tanh, 0.5), (1, ActivationKind.Sigmoid, 1.0)]));
        var precision = EmissionPlan.For(Model(2, [(4, ActivationKind.Tanh, 1.0), (1, ActivationKind.Sigmoid, 1.0)], isDouble: true));
        Assert.Equal(TrainingPath.Batched, dropout.Training);
        Assert.Contains(dropout.Describe, line => line.Contains("dropout", System.StringComparison.Ordinal));
        Assert.Equal(TrainingPath.Batched, precision.Training);
        Assert.Equal(ForwardPath.Unrolled, precision.Forward);
    }

    [Fact]
    public void DigitsShapeIsRegisterResidentWithTheSoftmaxInRegisters()
    {
        var plan = EmissionPlan.For(Model(64, [(32, ActivationKind.ReLU, 1.0), (10, ActivationKind.Softmax, 1.0)], LossKind.SoftmaxCrossEntropy));
        Assert.Equal(ForwardPath.RegisterResident, plan.Forward);
        Assert.False(plan.InputInRegisters);
        Assert.Equal(SoftmaxPlacement.Registers, plan.ForwardSoftmax);
        Assert.Equal(TrainingPath.Batched, plan.Training);
        Assert.Equal(SoftmaxPlacement.UnrolledSpan, plan.BatchedSoftmax);
        Assert.Equal([false, true], plan.KeepsZ);
    }

    [Fact]
    public void WideLayersLoopAndWideSoftmaxesLoopOverTheSpan()
    {
        var plan = EmissionPlan.For(Model(784, [(128, ActivationKind.ReLU, 1.0), (100, ActivationKind.Softmax, 1.0)], LossKind.SoftmaxCrossEntropy));
        Assert.Equal(ForwardPath.Looped, plan.Forward);
        Assert.True(plan.HiddenOnStack);
        Assert.Equal(SoftmaxPlacement.LoopedSpan, plan.ForwardSoftmax);
        Assert.Equal(SoftmaxPlacement.LoopedSpan, plan.BatchedSoftmax);
        Assert.Contains(plan.Describe, line => line.Contains("784 inputs", System.StringComparison.Ordinal));
    }

    [Fact]
    public void HiddenLayersTooWideForTheStackUsePooledScratch()
    {
        var plan = EmissionPlan.For(Model(2, [(9000, ActivationKind.ReLU, 1.0), (1, ActivationKind.Identity, 1.0)]));
        Assert.Equal(ForwardPath.Looped, plan.Forward);
        Assert.False(plan.HiddenOnStack);
    }

    [Fact]
    public void ForwardOnlyNetworksHaveNoTrainingPath()
    {
        var plan = EmissionPlan.For(Model(3, [(2, ActivationKind.Step, 1.0), (1, ActivationKind.Step, 1.0)], loss: null));
        Assert.Equal(TrainingPath.None, plan.Training);
        Assert.Contains(plan.Describe, line => line.Contains("forward-only", System.StringComparison.Ordinal));
    }
}
