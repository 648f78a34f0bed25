using Microsoft.CodeAnalysis;

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

    public static readonly DiagnosticDescriptor InternalError = Error(
        "NG9999", "NetGen generator internal error",
        "NetGen could not process '{0}': {1}. This is a bug in NetGen; please report it with the declaration.");

    private static DiagnosticDescriptor Error(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true);
}
