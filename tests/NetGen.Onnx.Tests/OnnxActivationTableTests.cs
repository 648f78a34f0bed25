using System;
using System.Collections.Generic;
using System.Linq;
using Google.Protobuf;
using NetGen.Onnx.Tests.Import;
using Xunit;

namespace NetGen.Onnx.Tests;

/// <summary>
/// The one ONNX activation table (Import/Shared/OnnxActivationTable.cs): every activation has its ONNX form in it, the
/// exporter writes exactly the table's operator or pattern, and the recognizer reads that back as the same activation.
/// </summary>
public sealed class OnnxActivationTableTests
{
    public static TheoryData<Activation, Precision> EveryActivation
    {
        get
        {
            var data = new TheoryData<Activation, Precision>();
            foreach (var activation in Enum.GetValues<Activation>())
            {
                data.Add(activation, Precision.Single);
                data.Add(activation, Precision.Double);
            }

            return data;
        }
    }

    [Fact]
    public void TheFormsAreThePinnedOnes()
    {
        var single = Enum.GetValues<Activation>().ToDictionary(a => a, a => OnnxActivationTable.ExportedForm(a, isDouble: false));
        Assert.Equal(
            new Dictionary<Activation, string>
            {
                [Activation.Identity] = "z",
                [Activation.Sigmoid] = "Sigmoid(z)",
                [Activation.Tanh] = "Tanh(z)",
                [Activation.ReLU] = "Relu(z)",
                [Activation.LeakyReLU] = "LeakyRelu(z, alpha=α)",
                [Activation.Softmax] = "Softmax(z, axis=-1)",
                [Activation.Step] = "Cast(Greater(z, 0), to=T)",
                [Activation.ELU] = "Elu(z, alpha=α)",
                [Activation.GELU] = "Mul(Mul(z, 0.5), Add(1, Erf(Div(z, √2))))",
                [Activation.SiLU] = "Mul(z, Sigmoid(z))",
                [Activation.Softplus] = "Softplus(z)",
            },
            single);
        Assert.Equal("Where(Greater(z, 0), z, Mul(z, α))", OnnxActivationTable.ExportedForm(Activation.LeakyReLU, isDouble: true));
        Assert.Equal("Where(Greater(z, 0), z, Mul(α, Sub(Exp(z), 1)))", OnnxActivationTable.ExportedForm(Activation.ELU, isDouble: true));
        Assert.Equal("Relu(z)", OnnxActivationTable.ExportedForm(Activation.ReLU, isDouble: true));
    }

    [Fact]
    public void OperatorsAndPatternsAreEachNamedOnce()
    {
        var operators = OnnxActivationTable.Operators;
        Assert.Equal(operators.Count, operators.Select(o => o.OpType).Distinct().Count());
        Assert.Equal(operators.Count, operators.Select(o => o.Activation).Distinct().Count());
        foreach (var entry in operators)
        {
            Assert.Same(entry, OnnxActivationTable.ForOperator(entry.OpType));
            Assert.Same(entry, OnnxActivationTable.ForActivation(entry.Activation));
            Assert.True(OnnxActivationTable.IsActivationOperator(entry.OpType));
        }

        Assert.Equal(OnnxActivationTable.Patterns.Count, OnnxActivationTable.Patterns.Select(p => p.Name).Distinct().Count());
        Assert.Null(OnnxActivationTable.ForOperator("Mul"));
        Assert.False(OnnxActivationTable.IsActivationOperator("Mul"));
        Assert.False(OnnxActivationTable.IsActivationOperator("Cast"));
        Assert.True(OnnxActivationTable.IsActivationOperator("Where"));

        // The recognizer's list of what it reads is built from the table.
        foreach (var entry in operators)
        {
            Assert.Contains(entry.OpType, OnnxNetworkRecognizer.SupportedOperators, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(EveryActivation))]
    public void TheExporterWritesTheTablesFormAndTheRecognizerReadsItBack(Activation activation, Precision precision)
    {
        bool isOutput = activation is Activation.Softmax;
        var layer = activation switch
        {
            Activation.LeakyReLU => new DenseLayerSpec(3, activation) { LeakySlope = 0.3 },
            Activation.ELU => new DenseLayerSpec(3, activation) { Alpha = 0.7 },
            _ => new DenseLayerSpec(3, activation),
        };
        var layers = new List<DenseLayerSpec> { layer };
        if (!isOutput)
        {
            layers.Add(new DenseLayerSpec(2, Activation.Identity));
        }

        var spec = new NetworkSpec(4, layers, activation == Activation.Step ? null : Loss.MeanSquaredError, precision);
        var model = precision == Precision.Double
            ? OnnxRoundTripTests.Export(new InterpretedNetwork<double>(spec), fixedBatch: false)
            : OnnxRoundTripTests.Export(new InterpretedNetwork<float>(spec), fixedBatch: false);
        var opTypes = model.Graph.Node.Select(n => n.OpType).Where(op => op != "Gemm").ToList();

        var pattern = OnnxActivationTable.ExportedPattern(activation, precision == Precision.Double);
        var entry = OnnxActivationTable.ForActivation(activation);
        if (pattern is not null)
        {
            Assert.Equal(pattern.TopOperator, opTypes[^1]);
            Assert.All(opTypes, op => Assert.Contains(op, pattern.Form, StringComparison.Ordinal));
        }
        else if (entry is not null)
        {
            Assert.Equal([entry.OpType], opTypes);
            var node = model.Graph.Node.Single(n => n.OpType == entry.OpType);
            Assert.Equal(entry.ParameterAttribute is null ? [] : [entry.ParameterAttribute], node.Attribute.Where(a => a.Name != "axis").Select(a => a.Name));
        }
        else
        {
            Assert.Equal(Activation.Identity, activation);
            Assert.Empty(opTypes);
        }

        var imported = OnnxImporter.Import(model.ToByteArray());
        Assert.Equal(spec, imported.Spec);
    }
}
