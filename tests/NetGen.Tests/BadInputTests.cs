using System;
using NetGen.Tests.Networks;
using Xunit;

namespace NetGen.Tests;

/// <summary>Wrong spans and workspaces get specific exceptions from both engines, with the same messages.</summary>
public class BadInputTests
{
    public static TheoryData<string> Engines => new() { "generated", "interpreted" };

    private static ITrainableNetwork<float> Create(string engine) =>
        engine == "generated" ? new DigitsNet() : new InterpretedNetwork<float>(DigitsNet.Spec);

    [Theory]
    [MemberData(nameof(Engines))]
    public void ForwardRejectsWrongLengths(string engine)
    {
        var network = Create(engine);
        var error = Assert.Throws<ArgumentException>(() => network.Forward(new float[63], new float[10]));
        Assert.Equal("input", error.ParamName);
        Assert.Contains("63", error.Message);
        Assert.Contains("64", error.Message);

        error = Assert.Throws<ArgumentException>(() => network.Forward(new float[64], new float[11]));
        Assert.Equal("output", error.ParamName);
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void ForwardRejectsOverlappingSpans(string engine)
    {
        var network = Create(engine);
        var buffer = new float[70];
        var error = Assert.Throws<ArgumentException>(() => network.Forward(buffer.AsSpan(0, 64), buffer.AsSpan(60, 10)));
        Assert.Equal("output", error.ParamName);
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void BatchPassesRejectBadShapes(string engine)
    {
        var network = Create(engine);
        var workspace = network.CreateWorkspace(4);
        var gradient = new float[DigitsNet.ParameterCount];

        var ragged = Assert.Throws<ArgumentException>(() => network.ComputeLossAndGradient(new float[100], new float[10], gradient, workspace));
        Assert.Contains("not a whole number of samples", ragged.Message);

        var targets = Assert.Throws<ArgumentException>(() => network.ComputeLossAndGradient(new float[128], new float[10], gradient, workspace));
        Assert.Equal("targets", targets.ParamName);
        Assert.Contains("2 samples", targets.Message);

        var tooBig = Assert.Throws<ArgumentException>(() => network.ComputeLossAndGradient(new float[64 * 5], new float[50], gradient, workspace));
        Assert.Contains("at most 4", tooBig.Message);

        var empty = Assert.Throws<ArgumentException>(() => network.ComputeLoss([], [], workspace));
        Assert.Contains("empty", empty.Message);

        var wrongGradient = Assert.Throws<ArgumentException>(() => network.ComputeLossAndGradient(new float[64], new float[10], new float[5], workspace));
        Assert.Equal("gradient", wrongGradient.ParamName);
    }

    [Fact]
    public void LaneTrainedNetworkRejectsBadShapesAndWorkspaces()
    {
        // XorNet trains one sample per vector lane and never touches its workspace; it still checks everything.
        var network = new XorNet();
        var workspace = network.CreateWorkspace(4);
        var gradient = new float[XorNet.ParameterCount];
        Assert.Contains("not a whole number of samples", Assert.Throws<ArgumentException>(() => network.ComputeLossAndGradient(new float[5], new float[2], gradient, workspace)).Message);
        Assert.Equal("targets", Assert.Throws<ArgumentException>(() => network.ComputeLossAndGradient(new float[4], new float[3], gradient, workspace)).ParamName);
        Assert.Contains("at most 4", Assert.Throws<ArgumentException>(() => network.ComputeLossAndGradient(new float[10], new float[5], gradient, workspace)).Message);
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => network.ComputeLoss([], [], workspace)).Message);
        Assert.Equal("gradient", Assert.Throws<ArgumentException>(() => network.ComputeLossAndGradient(new float[4], new float[2], new float[16], workspace)).ParamName);
        Assert.Throws<ArgumentNullException>(() => network.ComputeLoss(new float[4], new float[2], null!));
        Assert.Contains("needs a", Assert.Throws<ArgumentException>(() => network.ComputeLoss(new float[4], new float[2], new InterpretedNetwork<float>(XorNet.Spec).CreateWorkspace(2))).Message);
        Assert.Contains("created for", Assert.Throws<ArgumentException>(() => network.ComputeLoss(new float[4], new float[2], new DigitsNet().CreateWorkspace(2))).Message);
    }

    [Fact]
    public void WorkspacesDoNotCrossEnginesOrArchitectures()
    {
        var generated = new DigitsNet();
        var interpreted = new InterpretedNetwork<float>(DigitsNet.Spec);
        var gradient = new float[DigitsNet.ParameterCount];

        var foreign = Assert.Throws<ArgumentException>(() => generated.ComputeLossAndGradient(new float[64], new float[10], gradient, interpreted.CreateWorkspace(1)));
        Assert.Contains("needs a", foreign.Message);

        var other = Assert.Throws<ArgumentException>(() => generated.ComputeLossAndGradient(new float[64], new float[10], gradient, new WideFloatNet().CreateWorkspace(1)));
        Assert.Contains("created for", other.Message);
    }

    [Fact]
    public void ForwardOnlyNetworkCannotBeTrainedByTheInterpreter()
    {
        var perceptron = new PerceptronNet();
        Assert.False(PerceptronNet.Spec.IsTrainable);
        Assert.IsNotAssignableFrom<ITrainableNetwork<float>>(perceptron);

        var interpreted = new InterpretedNetwork<float>(PerceptronNet.Spec);
        var error = Assert.Throws<InvalidOperationException>(() => interpreted.ComputeLoss(new float[3], new float[1], interpreted.CreateWorkspace(1)));
        Assert.Contains("forward-only", error.Message);
    }

    [Fact]
    public void PerceptronStepFiresAboveThreshold()
    {
        // One step unit computing x0 AND x1 (bias −1.5), fed through an identity-like step: 1 only when both inputs are 1.
        var network = new PerceptronNet();
        network.Parameters.Clear();
        var p = network.Parameters;
        p[PerceptronNet.Dense1WeightsOffset + 0] = 1; // unit 0: x0 + x1 − 1.5 > 0
        p[PerceptronNet.Dense1WeightsOffset + 1] = 1;
        p[PerceptronNet.Dense1BiasesOffset + 0] = -1.5f;
        p[PerceptronNet.Dense2WeightsOffset + 0] = 1;   // output fires when unit 0 fires
        p[PerceptronNet.Dense2BiasesOffset] = -0.5f;
        var output = new float[1];
        foreach (var (a, b, expected) in new[] { (0f, 0f, 0f), (0f, 1f, 0f), (1f, 0f, 0f), (1f, 1f, 1f) })
        {
            network.Forward([a, b, 0f], output);
            Assert.Equal(expected, output[0]);
        }
    }
}
