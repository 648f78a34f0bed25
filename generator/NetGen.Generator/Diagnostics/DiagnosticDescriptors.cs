using Microsoft.CodeAnalysis;
using NetGen.Generator.Shared;

namespace NetGen.Generator.Diagnostics;

/// <summary>
/// Every diagnostic NetGen reports. IDs are stable and listed in AnalyzerReleases.*.md; each message says what is wrong
/// and how to fix it, and each is reported on the attribute or type declaration at fault. The architecture rules
/// (NG0007–NG0011, NG0013, NG0014, NG0016, NG0020, NG0026) take their message, <c>{0}</c>, from the rules file the runtime's
/// <c>NetworkSpec</c> shares (Model/NetworkRules.cs), so both say the same thing.
/// </summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "NetGen";

    public static readonly DiagnosticDescriptor NotPartial = Error(
        "NG0001", "Network type must be partial",
        "The network type '{0}' must be declared partial so that NetGen can add the generated members");

    public static readonly DiagnosticDescriptor NestedType = Error(
        "NG0002", "Network type must not be nested",
        "The network type '{0}' is nested in '{1}'; declare networks as top-level types");

    public static readonly DiagnosticDescriptor GenericType = Error(
        "NG0003", "Network type must not be generic",
        "The network type '{0}' has type parameters; a network's sizes and types are fixed, so it cannot be generic");

    public static readonly DiagnosticDescriptor MissingInput = Error(
        "NG0004", "Network has no input layer",
        "The network '{0}' has no [Input(size)] attribute; declare the number of input features before the first [Dense]");

    public static readonly DiagnosticDescriptor DuplicateInput = Error(
        "NG0005", "Network has more than one input layer",
        "The network '{0}' declares [Input] more than once; a network has exactly one input layer");

    public static readonly DiagnosticDescriptor InputNotFirst = Error(
        "NG0006", "Input layer must come first",
        "[Input] must come before every [Dense] and [Dropout] of the network '{0}'; layers are read in source order");

    public static readonly DiagnosticDescriptor InvalidSize = Error(
        "NG0007", "Layer size out of range",
        "{0}");

    public static readonly DiagnosticDescriptor NoDenseLayer = Error(
        "NG0008", "Network has no dense layer",
        "{0}");

    public static readonly DiagnosticDescriptor SoftmaxNotLast = Error(
        "NG0009", "Softmax is only allowed on the output layer",
        "{0}");

    public static readonly DiagnosticDescriptor LossMismatch = Error(
        "NG0010", "Loss does not fit the output activation",
        "{0}");

    public static readonly DiagnosticDescriptor InvalidKeepProbability = Error(
        "NG0011", "Dropout keep probability out of range",
        "{0}");

    public static readonly DiagnosticDescriptor MisplacedDropout = Error(
        "NG0012", "Dropout is misplaced",
        "[Dropout] {0}; it applies to the activations of the input or of a hidden [Dense] declared just before it");

    public static readonly DiagnosticDescriptor StepInTrainedNetwork = Error(
        "NG0013", "A network with a Step layer cannot be trained",
        "{0}");

    public static readonly DiagnosticDescriptor InvalidLeakySlope = Error(
        "NG0014", "Leaky ReLU slope out of range",
        "{0}");

    public static readonly DiagnosticDescriptor LeakySlopeIgnored = new(
        "NG0015", "LeakySlope set on a layer that is not LeakyReLU",
        "LeakySlope is set on a layer with Activation.{0}, where it has no effect; it applies only to LeakyReLU",
        Category, DiagnosticSeverity.Warning, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor NetworkTooLarge = Error(
        "NG0016", "Network too large",
        "{0}");

    public static readonly DiagnosticDescriptor LayersOnSeveralDeclarations = Error(
        "NG0017", "Layers spread over several partial declarations",
        "The layer attributes of '{0}' are spread over several partial declarations, so their order is undefined; declare [Input], [Dense] and [Dropout] on one declaration");

    public static readonly DiagnosticDescriptor LayerWithoutNetwork = new(
        "NG0018", "Layer attribute without [Network]",
        "[{0}] on '{1}' has no effect because the type has no [Network] attribute",
        Category, DiagnosticSeverity.Warning, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor UnsupportedType = Error(
        "NG0019", "Unsupported kind of network type",
        "The network type '{0}' is {1}; a network must be a non-static, non-file-local class");

    public static readonly DiagnosticDescriptor UndefinedEnumValue = Error(
        "NG0020", "Undefined enum value",
        "{0}");

    public static readonly DiagnosticDescriptor WeightsFileNotFound = Error(
        "NG0021", "Weights file not found",
        "No AdditionalFiles item of the project is the weights file '{0}' of '{1}'; add <AdditionalFiles Include=\"{0}\" /> to the project file (Weights names the file by its name or the end of its path)");

    public static readonly DiagnosticDescriptor WeightsFileAmbiguous = Error(
        "NG0022", "Weights file is ambiguous",
        "Weights = \"{0}\" matches {1} AdditionalFiles items ({2}); name more of the path, e.g. \"models/{0}\", so that exactly one matches");

    public static readonly DiagnosticDescriptor WeightsFileNotConverted = Error(
        "NG0023", "Weights file reached the compiler as text",
        "The weights file '{0}' reached the compiler as a plain AdditionalFiles item, whose binary content the compiler cannot pass to a generator; reference the NetGen package, whose build step (build/NetGen.targets) converts .safetensors AdditionalFiles items for the generator, or import that file into the project");

    public static readonly DiagnosticDescriptor WeightsFileInvalid = Error(
        "NG0024", "Weights file is not a valid safetensors file",
        "The weights file '{0}' is not a valid safetensors file: {1}");

    public static readonly DiagnosticDescriptor WeightsDoNotFit = Error(
        "NG0025", "Weights do not fit the network",
        "The weights file '{0}' does not fit the network '{1}': {2}");

    public static readonly DiagnosticDescriptor InvalidAlpha = Error(
        "NG0026", "ELU alpha out of range",
        "{0}");

    public static readonly DiagnosticDescriptor AlphaIgnored = new(
        "NG0027", "Alpha set on a layer that is not ELU",
        "Alpha is set on a layer with Activation.{0}, where it has no effect; it applies only to ELU",
        Category, DiagnosticSeverity.Warning, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor NameOfGeneratedMember = Error(
        "NG0028", "Network type has the name of a generated member",
        "The network type cannot be named '{0}': NetGen generates a member of that name, and a member cannot have the name of its type (CS0542); rename the type");

    public static readonly DiagnosticDescriptor HidesRootNamespace = Error(
        "NG0029", "Network type hides a namespace the generated code uses",
        "A network type named '{0}' in the global namespace hides the namespace {0}, which the generated code refers to as global::{0}; declare the network in a namespace or rename it");

    public static readonly DiagnosticDescriptor CompressedWeightsNeedSinglePrecision = Error(
        "NG0030", "Compressed inference weights need single precision",
        "{0}");

    // [Network(SparseInference = true, MaxSparseDensity = d)]: sparse rows are written from the baked weights.
    public static readonly DiagnosticDescriptor SparseInferenceNeedsBakedFloatWeights = Error(
        "NG0031", "SparseInference needs baked float weights",
        "{0}");

    public static readonly DiagnosticDescriptor SparseDensityOutOfRange = Error(
        "NG0032", "MaxSparseDensity out of range",
        "MaxSparseDensity is {0}; it must be a share of nonzero weights between 0 and 1");

    public static readonly DiagnosticDescriptor SparseDensityIgnored = new(
        "NG0033", "MaxSparseDensity set without SparseInference",
        "MaxSparseDensity has no effect unless SparseInference = true",
        Category, DiagnosticSeverity.Warning, isEnabledByDefault: true);
    // [Network(Onnx = "…")], NG0040–NG0048. The model is read by NetGen.Onnx's own reader and recognizer (linked), so each
    // message holds the text OnnxImporter's exception carries as its Detail, followed by its OnnxImportProblem in
    // parentheses where one ID stands for several.

    public static readonly DiagnosticDescriptor OnnxModelNotFound = Error(
        "NG0040", "ONNX model not found",
        "No AdditionalFiles item of the project is the ONNX model '{0}' of '{1}'; add <AdditionalFiles Include=\"{0}\" /> to the project file (Onnx names the file by its name or the end of its path)");

    public static readonly DiagnosticDescriptor OnnxModelAmbiguous = Error(
        "NG0041", "ONNX model is ambiguous",
        "Onnx = \"{0}\" matches {1} AdditionalFiles items ({2}); name more of the path, e.g. \"models/{0}\", so that exactly one matches");

    public static readonly DiagnosticDescriptor OnnxModelNotConverted = Error(
        "NG0042", "ONNX model reached the compiler as text",
        "The ONNX model '{0}' reached the compiler as a plain AdditionalFiles item, whose binary content the compiler cannot pass to a generator; reference the NetGen package, whose build step (build/NetGen.targets) converts .onnx AdditionalFiles items for the generator, or import that file into the project");

    public static readonly DiagnosticDescriptor OnnxModelUnreadable = Error(
        "NG0043", "ONNX model cannot be read",
        "The ONNX model '{0}' cannot be read: {1}");

    public static readonly DiagnosticDescriptor OnnxGraphNotANetwork = Error(
        "NG0044", "ONNX graph is not a NetGen network",
        "The ONNX model '{0}' is not a network NetGen can compile: {1}");

    public static readonly DiagnosticDescriptor OnnxWeightNotFinite = Error(
        "NG0045", "ONNX model has a weight that is not finite",
        "The ONNX model '{0}' has a weight that is not finite in the network's precision: {1}");

    public static readonly DiagnosticDescriptor OnnxMetadataMismatch = Error(
        "NG0046", "ONNX model's NetGen metadata contradicts its graph",
        "The netgen.spec metadata of the ONNX model '{0}' does not describe its graph: {1}");

    public static readonly DiagnosticDescriptor LayersWithOnnx = Error(
        "NG0047", "Layer attributes on a network imported from ONNX",
        "'{0}' takes its layers from the ONNX model '{1}', so it cannot declare [{2}]; remove the layer attributes, or remove Onnx to declare the network by hand");

    public static readonly DiagnosticDescriptor OnnxWithWeights = Error(
        "NG0048", "Onnx and Weights on one network",
        "'{0}' takes its weights from the ONNX model '{1}', so it cannot also bake the weights file '{2}'; remove Weights");

    public static readonly DiagnosticDescriptor InternalError = Error(
        "NG9999", "NetGen generator internal error",
        "NetGen could not process '{0}': {1}. This is a bug in NetGen; please report it with the declaration.");

    /// <summary>The diagnostic that reports a broken architecture rule of <see cref="NetworkRules"/>.</summary>
    public static DiagnosticDescriptor ForRule(NetworkRule rule) => rule switch
    {
        NetworkRule.UndefinedPrecision or NetworkRule.UndefinedActivation or NetworkRule.UndefinedLoss => UndefinedEnumValue,
        NetworkRule.InputSize or NetworkRule.LayerSize => InvalidSize,
        NetworkRule.InputKeepProbability or NetworkRule.KeepProbability => InvalidKeepProbability,
        NetworkRule.NoDenseLayer => NoDenseLayer,
        NetworkRule.TooManyLayers or NetworkRule.TooManyParameters => NetworkTooLarge,
        NetworkRule.SoftmaxNotLast => SoftmaxNotLast,
        NetworkRule.LeakySlope => InvalidLeakySlope,
        NetworkRule.Alpha => InvalidAlpha,
        NetworkRule.OutputDropout => MisplacedDropout,
        NetworkRule.LossMismatch => LossMismatch,
        NetworkRule.StepWithLoss => StepInTrainedNetwork,
        _ => throw new System.InvalidOperationException("No diagnostic for the rule " + rule),
    };

    private static DiagnosticDescriptor Error(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true);
}
