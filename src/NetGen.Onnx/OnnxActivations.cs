using System;
using System.Globalization;
using NetGen.Onnx.Proto;

namespace NetGen.Onnx;

/// <summary>
/// How each activation a = σ(z) is written in ONNX: the one place that knows, one case per activation. Most are a
/// single operator of opset <see cref="OnnxExporter.OpsetVersion"/>; the rest are small decompositions below, each of
/// which the importer (Import/Shared/OnnxNetworkRecognizer.cs) reads back as the same activation.
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
        switch (layer.Activation)
        {
            case Activation.Identity: return;
            case Activation.Sigmoid: site.Operator("Sigmoid"); return;
            case Activation.Tanh: site.Operator("Tanh"); return;
            case Activation.ReLU: site.Operator("Relu"); return;
            case Activation.Softmax: site.Operator("Softmax", OnnxGraphBuilder.Int("axis", -1)); return;
            case Activation.LeakyReLU: site.LeakyRelu(layer.LeakySlope); return;
            case Activation.Step: site.Step(); return;
            case Activation.ELU: site.Elu(layer.Alpha); return;
            case Activation.GELU: site.Gelu(); return;
            case Activation.SiLU: site.Silu(); return;
            case Activation.Softplus: site.Operator("Softplus"); return;
            default: throw new NotSupportedException($"Activation {layer.Activation} has no ONNX export.");
        }
    }

    /// <summary>One activation's place in the graph: its input z, its output a, and names for what it adds.</summary>
    private readonly record struct Site(OnnxGraphBuilder Graph, int Number, string Z, string A)
    {
        private string NodeName => Name("activation");

        /// <summary>a = op(z), one node.</summary>
        public void Operator(string opType, params AttributeProto[] attributes) =>
            Graph.AddNode(opType, NodeName, [Z], [A], attributes);

        /// <summary>
        /// LeakyRelu's alpha attribute is a 32-bit float, which would round a slope such as 0.3 in a double network;
        /// there a = Where(z > 0, z, z · α) with α a DOUBLE initializer, exactly as NetGen computes it.
        /// </summary>
        public void LeakyRelu(double slope)
        {
            if (!Graph.IsDouble)
            {
                Operator("LeakyRelu", OnnxGraphBuilder.Float("alpha", (float)slope));
                return;
            }

            string zero = Name("zero"), alpha = Name("slope"), positive = Name("positive"), scaled = Name("scaled");
            Graph.AddScalar(zero, 0.0);
            Graph.AddScalar(alpha, slope);
            Graph.AddNode("Greater", NodeName + "_positive", [Z, zero], [positive]);
            Graph.AddNode("Mul", NodeName + "_scaled", [Z, alpha], [scaled]);
            Graph.AddNode("Where", NodeName, [positive, Z, scaled], [A]);
        }

        /// <summary>
        /// ELU: Elu(alpha) in a float network. Its alpha attribute is a 32-bit float, so a double network writes
        /// a = Where(z > 0, z, α · (Exp(z) − 1)) with α a DOUBLE initializer instead, as for LeakyReLU.
        /// </summary>
        public void Elu(double alpha)
        {
            if (!Graph.IsDouble)
            {
                Operator("Elu", OnnxGraphBuilder.Float("alpha", (float)alpha));
                return;
            }

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

        /// <summary>GELU, exact, as its standard decomposition: a = Mul(Mul(z, ½), Add(1, Erf(Div(z, √2)))).</summary>
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

        /// <summary>SiLU as its standard decomposition: a = Mul(z, Sigmoid(z)).</summary>
        public void Silu()
        {
            string sigmoid = Name("sigmoid");
            Graph.AddNode("Sigmoid", NodeName + "_sigmoid", [Z], [sigmoid]);
            Graph.AddNode("Mul", NodeName, [Z, sigmoid], [A]);
        }

        /// <summary>a = (z > 0) as 0 or 1 of the network's type: Greater, then Cast.</summary>
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
