using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace NetGen.Training.Tests;

/// <summary>Every built-in optimizer state saves and restores itself, and refuses a snapshot that does not fit without
/// changing.</summary>
public sealed class OptimizerStateSnapshotTests
{
    public static TheoryData<string> Optimizers() => ["sgd", "momentum", "adam", "adamw", "irprop-", "rprop+", "newton", "lbfgs"];

    private static Optimizer Create(string name) => name switch
    {
        "sgd" => new SgdOptimizer(),
        "momentum" => new MomentumOptimizer(),
        "adam" => new AdamOptimizer(),
        "adamw" => AdamOptimizer.AdamW(),
        "irprop-" => new RpropOptimizer(),
        "rprop+" => new RpropOptimizer { Variant = RpropVariant.RpropPlus },
        "newton" => new NewtonOptimizer(),
        _ => new LbfgsOptimizer(),
    };

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void ARestoredStateTakesTheSameNextStepAndAForeignOneIsRefused(string name)
    {
        var data = TrainingTestData.Blobs<double>(30, seed: 1);
        var optimizer = Create(name);
        var network = new SmallClassifier();
        NetGen.Testing.TestData.RandomParameters(network, 2);
        var state = (ICheckpointableOptimizerState<double>)optimizer.CreateState<double>(SmallClassifier.Spec);
        var workspace = network.CreateWorkspace(30);
        var gradient = new double[SmallClassifier.ParameterCount];
        var regularization = new Regularization(0, 1e-3, 30);
        double[] Step(ICheckpointableOptimizerState<double> s, double[] start)
        {
            start.CopyTo(network.Parameters);
            double loss = network.ComputeLossAndGradient(data.Features, data.Targets, gradient, workspace);
            var context = new TrainingStepContext<double>(network, data.Features, data.Targets, workspace, gradient, loss, loss, 0.05, regularization, 0, 0);
            s.Step(in context);
            return network.Parameters.ToArray();
        }

        double[] position = network.Parameters.ToArray();
        for (int i = 0; i < 3; i++)
        {
            position = Step(state, position);
        }

        var snapshot = state.SaveState();
        double[] next = Step(state, position);

        var restored = (ICheckpointableOptimizerState<double>)optimizer.CreateState<double>(SmallClassifier.Spec);
        restored.RestoreState(snapshot);
        Assert.Equal(CheckpointRuns.Bits<double>(next), CheckpointRuns.Bits<double>(Step(restored, position)));

        // A snapshot of another optimizer (Adam's, or momentum's for Adam and AdamW) is refused naming an entry, and the
        // state is unchanged: it still takes the same step.
        Optimizer other = name is "adam" or "adamw" ? new MomentumOptimizer() : new AdamOptimizer();
        var foreign = ((ICheckpointableOptimizerState<double>)other.CreateState<double>(SmallClassifier.Spec)).SaveState();
        var again = (ICheckpointableOptimizerState<double>)optimizer.CreateState<double>(SmallClassifier.Spec);
        again.RestoreState(snapshot);
        var error = Assert.Throws<ArgumentException>(() => again.RestoreState(foreign));
        Assert.Contains("entry", error.Message, StringComparison.Ordinal);
        Assert.Equal(CheckpointRuns.Bits<double>(next), CheckpointRuns.Bits<double>(Step(again, position)));
    }

    [Fact]
    public void EntriesAreCheckedForLengthFinitenessAndRange()
    {
        var snapshot = new OptimizerStateSnapshot(
        [
            new KeyValuePair<string, double[]>("a", [1.0, 2.0]),
            new KeyValuePair<string, double[]>("b", [double.NaN]),
            new KeyValuePair<string, double[]>("c", [1e300]),
            new KeyValuePair<string, double[]>("d", [2.5]),
        ]);
        Assert.Equal(["a", "b", "c", "d"], snapshot.Names);
        Assert.Contains("holds 2 values; this optimizer needs 3", Assert.Throws<ArgumentException>(() => snapshot.Require("a", 3)).Message, StringComparison.Ordinal);
        Assert.Contains("NaN at index 0", Assert.Throws<ArgumentException>(() => snapshot.Require("b", 1)).Message, StringComparison.Ordinal);
        Assert.Equal(1e300, snapshot.RequireValues<double>("c", 1)[0]);
        Assert.Contains("beyond the range of Single", Assert.Throws<ArgumentException>(() => snapshot.RequireValues<float>("c", 1)).Message, StringComparison.Ordinal);
        Assert.Contains("a whole number", Assert.Throws<ArgumentException>(() => snapshot.RequireScalar("d", 0, 10, wholeNumber: true)).Message, StringComparison.Ordinal);
        Assert.Contains("no entry 'e'", Assert.Throws<ArgumentException>(() => snapshot.Require("e", 1)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => snapshot.RequireExactly("a", "b", "c"));
        Assert.Throws<ArgumentException>(() => new OptimizerStateSnapshot([new KeyValuePair<string, double[]>("x", []), new KeyValuePair<string, double[]>("x", [])]));
        Assert.Throws<ArgumentException>(() => new OptimizerStateSnapshot([new KeyValuePair<string, double[]>(string.Empty, [])]));
    }

    [Fact]
    public void InvalidValuesOfEachOptimizerAreNamed()
    {
        var spec = TestData.TwoLayerLinearSpec;
        var rprop = (ICheckpointableOptimizerState<double>)new RpropOptimizer().CreateState<double>(spec);
        var steps = rprop.SaveState();
        var tooLarge = new OptimizerStateSnapshot(steps.Names.Select(n => new KeyValuePair<string, double[]>(n, n == "step-size" ? Enumerable.Repeat(51.0, 9).ToArray() : steps[n].ToArray())));
        Assert.Contains("outside [Δmin, Δmax]", Assert.Throws<ArgumentException>(() => rprop.RestoreState(tooLarge)).Message, StringComparison.Ordinal);

        var lbfgs = (ICheckpointableOptimizerState<double>)new LbfgsOptimizer { HistorySize = 2 }.CreateState<double>(spec);
        var badRho = new OptimizerStateSnapshot(
        [
            new KeyValuePair<string, double[]>("history-count", [1]),
            new KeyValuePair<string, double[]>("s", new double[9]),
            new KeyValuePair<string, double[]>("y", new double[9]),
            new KeyValuePair<string, double[]>("rho", [-1.0]),
        ]);
        Assert.Contains("ρ = 1/(yᵀs) of a kept pair is positive", Assert.Throws<ArgumentException>(() => lbfgs.RestoreState(badRho)).Message, StringComparison.Ordinal);
        var tooMany = new OptimizerStateSnapshot(
        [
            new KeyValuePair<string, double[]>("history-count", [3]),
            new KeyValuePair<string, double[]>("s", new double[27]),
            new KeyValuePair<string, double[]>("y", new double[27]),
            new KeyValuePair<string, double[]>("rho", [1.0, 1.0, 1.0]),
        ]);
        Assert.Throws<ArgumentException>(() => lbfgs.RestoreState(tooMany));

        var newton = new NewtonOptimizer().CreateNewtonState<double>(spec);
        var negative = new OptimizerStateSnapshot([new KeyValuePair<string, double[]>("damping", [-1.0]), new KeyValuePair<string, double[]>("nu", [2.0])]);
        Assert.Throws<ArgumentException>(() => newton.RestoreState(negative));
        Assert.Equal(1e-3, newton.Damping);
    }
}
