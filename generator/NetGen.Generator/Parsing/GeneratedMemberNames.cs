using System;

namespace NetGen.Generator.Parsing;

/// <summary>
/// The names of the members the emitters declare directly in a network class. C# forbids a member named like its type
/// (CS0542), so a network type with one of these names is reported (NG0028) instead of given code that cannot compile.
/// This is the one list; <c>GeneratedNamesTests</c> collects the member names of generated code over every emission
/// path and fails when an emitter declares one that is not here, or names a root namespace not in <see cref="RootNamespaces"/>.
/// </summary>
internal static class GeneratedMemberNames
{
    // '#' stands for one or more decimal digits: sizes and layer numbers in the names of per-shape helpers.
    private static readonly string[] Patterns =
    [
        // Constants, the spec, the parameters and the public methods of every network.
        "InputSize", "OutputSize", "ParameterCount", "LayerCount",
        "Dense#Size", "Dense#WeightsOffset", "Dense#BiasesOffset",
        "Spec", "Parameters", "_parameters", "Forward",
        // Trainable networks: the workspace and the batched passes.
        "Workspace", "CreateWorkspace", "ComputeLoss", "ComputeLossAndGradient", "ComputeCurvatureProduct",
        "ForwardBatch", "OutputLoss", "Backpropagate", "LanePass",
        "DirectionalForward", "DirectionalOutputDelta", "DirectionalBackward",
        // Baked weights.
        "BakedParameters", "ResetToBakedParameters", "BakedParameterWords", "DecodeBakedParameters", "s_bakedParametersBigEndian",
        // Baked weights with a scaler (netgen.scaler).
        "InputScaler", "ForwardRaw",
        // Compressed inference weights (InferenceWeights = Int8 or BFloat16), baked or not.
        "_inferenceWeights", "_inferenceScales", "_inferenceWeightsStale", "_quantizing", "QuantizeInferenceWeights",
        "RefreshInferenceWeights", "CompressInferenceWeights", "BakedInferenceWeights", "BakedWords", "BakedBytes", "BakedFloats",
        "BakedScales", "DecodeBakedBytes", "DecodeBakedBFloat16", "s_bakedParameters", "s_bakedBytesBigEndian", "s_bakedBFloat16BigEndian",
        // Kernels specialised per shape.
        "Dot#", "DotFloat#", "DotRows#x#", "DotRows#Samples#x#", "WideRows#Samples#x#", "MultiplyAdd#", "RegisterRow#", "RegisterRows#x#",
        "WeightGradient#x#", "BackError#x#", "Load8", "Store8", "StoreOrAdd8", "Dense#SparseRows#",
    ];

    /// <summary>
    /// The namespaces generated code names from the root (<c>global::System.Span</c>, <c>global::NetGen.NetworkSpec</c>): a
    /// network type of one of these names in the global namespace would hide it there, so it is reported (NG0029).
    /// </summary>
    public static readonly string[] RootNamespaces = ["System", "NetGen"];

    /// <summary>Whether the generated code may declare a member named <paramref name="name"/> in the network class.</summary>
    public static bool IsReserved(string name)
    {
        foreach (string pattern in Patterns)
        {
            if (Matches(pattern, name))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Matches(string pattern, string name)
    {
        int n = 0;
        foreach (char p in pattern)
        {
            if (p != '#')
            {
                if (n >= name.Length || name[n] != p)
                {
                    return false;
                }

                n++;
                continue;
            }

            int digits = n;
            while (n < name.Length && name[n] >= '0' && name[n] <= '9')
            {
                n++;
            }

            if (n == digits)
            {
                return false;
            }
        }

        return n == name.Length;
    }
}
