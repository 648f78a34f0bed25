using System;
using System.Collections.Generic;
using System.Globalization;
using NetGen.Onnx.Proto;

namespace NetGen.Onnx;

/// <summary>
/// Writes each activation a = σ(z) in ONNX as the shared table (Import/Shared/OnnxActivationTable.cs) says: a single
/// operator of opset <see cref="OnnxExporter.OpsetVersion"/> for the entries of <see cref="OnnxActivationTable.Operators"/>,
/// or one of the table's named patterns, written below, which the recognizer (Import/Shared/OnnxNetworkRecognizer.cs)
/// reads back as the same activation.
/// </summary>
internal static class OnnxActivations
{
    /// <summary>
    /// Adds the nodes that compute <paramref name="a"/> = σ(<paramref name="z"/>) for the activation of layer
    /// <paramref name="number"/> (from 1). Identity adds none: the caller uses z as the layer's output.
    /// </summary>
    /// <exception cref="NotSupportedException">The activation has no ONNX form here.</exception>
    public static void Add(OnnxGraphBuilder graph, DenseLayerSpec layer, int number, string z, string a)
    {
        var site = new Site(graph, number, z, a);
        var pattern = OnnxActivationTable.ExportedPattern(layer.Activation, graph.IsDouble);
        if (pattern is null)
        {
            if (OnnxActivationTable.ForActivation(layer.Activation) is { } entry)
            {
                site.Operator(entry, layer);
                return;
            }

            if (layer.Activation == Activation.Identity)
            {
                return;
            }
        }
        else if (pattern == OnnxActivationTable.GeluErf)
        {
            site.Gelu();
            return;
        }
        else if (pattern == OnnxActivationTable.SiluMul)
        {
            site.Silu();
            return;
        }
        else if (pattern == OnnxActivationTable.StepCast)
        {
            site.Step();
            return;
        }
        else if (pattern == OnnxActivationTable.LeakyReluWhere)
        {
            site.LeakyReluWhere(layer.LeakySlope);
            return;
        }
        else if (pattern == OnnxActivationTable.EluWhere)
        {
            site.EluWhere(layer.Alpha);
            return;
        }

        throw new NotSupportedException($"Activation {layer.Activation} has no ONNX export.");
    }

    /// <summary>One activation's place in the graph: its input z, its output a, and names for what it adds.</summary>
    private readonly record struct Site(OnnxGraphBuilder Graph, int Number, string Z, string A)
    {
        private string NodeName => Name("activation");

        /// <summary>a = op(z), one node, with the layer's parameter as the operator's FLOAT attribute and the table's axis.</summary>
        public void Operator(OnnxActivationOperator entry, DenseLayerSpec layer)
        {
            var attributes = new List<AttributeProto>();
            if (entry.ParameterAttribute is { } name)
            {
                double value = entry.Parameter == OnnxActivationParameter.LeakySlope ? layer.LeakySlope : layer.Alpha;
                attributes.Add(OnnxGraphBuilder.Float(name, (float)value));
            }

            if (entry.Axis is { } axis)
            {
                attributes.Add(OnnxGraphBuilder.Int("axis", axis));
            }

            Graph.AddNode(entry.OpType, NodeName, [Z], [A], [.. attributes]);
        }

        /// <summary>
        /// <see cref="OnnxActivationTable.LeakyReluWhere"/>: a = Where(z &gt; 0, z, z · α) with α a DOUBLE initializer,
        /// exactly as NetGen computes it.
        /// </summary>
        public void LeakyReluWhere(double slope)
        {
            string zero = Name("zero"), alpha = Name("slope"), positive = Name("positive"), scaled = Name("scaled");
            Graph.AddScalar(zero, 0.0);
            Graph.AddScalar(alpha, slope);
            Graph.AddNode("Greater", NodeName + "_positive", [Z, zero], [positive]);
            Graph.AddNode("Mul", NodeName + "_scaled", [Z, alpha], [scaled]);
            Graph.AddNode("Where", NodeName, [positive, Z, scaled], [A]);
        }

        /// <summary><see cref="OnnxActivationTable.EluWhere"/>: a = Where(z &gt; 0, z, α · (Exp(z) − 1)) with α a DOUBLE initializer.</summary>
        public void EluWhere(double alpha)
        {
            string zero = Name("zero"), one = Name("one"), scale = Name("alpha"), positive = Name("positive"), exp = Name("exp"), minusOne = Name("expm1"), scaled = Name("scaled");
            Graph.AddScalar(zero, 0.0);
            Graph.AddScalar(one, 1.0);
            Graph.AddScalar(scale, alpha);
            Graph.AddNode("Greater", NodeName + "_positive", [Z, zero], [positive]);
            Graph.AddNode("Exp", NodeName + "_exp", [Z], [exp]);
            Graph.AddNode("Sub", NodeName + "_expm1", [exp, one], [minusOne]);
            Graph.AddNode("Mul", NodeName + "_scaled", [scale, minusOne], [scaled]);
            Graph.AddNode("Where", NodeName, [positive, Z, scaled], [A]);
        }

        /// <summary><see cref="OnnxActivationTable.GeluErf"/>: a = Mul(Mul(z, ½), Add(1, Erf(Div(z, √2)))).</summary>
        public void Gelu()
        {
            string half = Name("half"), one = Name("one"), root2 = Name("sqrt2"), halfZ = Name("half_z"), scaled = Name("z_over_sqrt2"), erf = Name("erf"), onePlusErf = Name("one_plus_erf");
            Graph.AddScalar(half, 0.5);
            Graph.AddScalar(one, 1.0);
            Graph.AddScalar(root2, Math.Sqrt(2.0));
            Graph.AddNode("Mul", NodeName + "_half", [Z, half], [halfZ]);
            Graph.AddNode("Div", NodeName + "_scale", [Z, root2], [scaled]);
            Graph.AddNode("Erf", NodeName + "_erf", [scaled], [erf]);
            Graph.AddNode("Add", NodeName + "_one_plus", [one, erf], [onePlusErf]);
            Graph.AddNode("Mul", NodeName, [halfZ, onePlusErf], [A]);
        }

        /// <summary><see cref="OnnxActivationTable.SiluMul"/>: a = Mul(z, Sigmoid(z)).</summary>
        public void Silu()
        {
            string sigmoid = Name("sigmoid");
            Graph.AddNode("Sigmoid", NodeName + "_sigmoid", [Z], [sigmoid]);
            Graph.AddNode("Mul", NodeName, [Z, sigmoid], [A]);
        }

        /// <summary><see cref="OnnxActivationTable.StepCast"/>: a = (z &gt; 0) as 0 or 1 of the network's type.</summary>
        public void Step()
        {
            string zero = Name("zero"), positive = Name("positive");
            Graph.AddScalar(zero, 0.0);
            Graph.AddNode("Greater", NodeName + "_positive", [Z, zero], [positive]);
            Graph.AddNode("Cast", NodeName, [positive], [A], OnnxGraphBuilder.Int("to", (long)Graph.ElementType));
        }

        private string Name(string stem) => string.Create(CultureInfo.InvariantCulture, $"{stem}{Number}");
    }
}
