// Shared source: compiled into NetGen.Onnx and, file by file, into the netstandard2.0 source generator, which links the
// files of this folder (<Compile Include="…/Import/Shared/*.cs" Link="…" /> with NETGEN_GENERATOR defined). Plain C#
// over the BCL of netstandard2.0: no Google.Protobuf, no APIs newer than netstandard2.0.
#if NETGEN_GENERATOR
namespace NetGen.Generator.Shared.Onnx;
#else
namespace NetGen.Onnx;
#endif

/// <summary>
/// Why an ONNX model cannot become a NetGen network. Each value has its own message; the run-time importer throws them
/// as <c>OnnxImportException</c>, and the source generator reports them as diagnostics.
/// </summary>
#if NETGEN_GENERATOR
internal
#else
public
#endif
enum OnnxImportProblem
{
    /// <summary>The file ends inside a protobuf field: it was cut short.</summary>
    Truncated = 1,

    /// <summary>The bytes are not valid protobuf: an undefined wire type, an overlong varint, a length past the end of its
    /// message, a string that is not UTF-8, a message field given twice.</summary>
    MalformedProtobuf = 2,

    /// <summary>Valid protobuf that is not a valid ONNX model: no graph, a node without an operator type, a value computed
    /// twice or used before it is computed, tensor data that does not fit the tensor's shape.</summary>
    InvalidModel = 3,

    /// <summary>The model imports a default-domain operator set outside the supported range, or none.</summary>
    UnsupportedOpset = 4,

    /// <summary>A node's operator is not one NetGen reads (a convolution, say); the message lists those it reads.</summary>
    UnsupportedOperator = 5,

    /// <summary>A supported operator used in a way that has no NetGen equivalent: <c>Gemm</c> with <c>transA</c>, a
    /// softmax on a hidden layer, the tanh approximation of GELU, two activations in a row, an input that is reshaped into
    /// something other than [batch, features].</summary>
    UnsupportedUse = 6,

    /// <summary>The graph is not a chain: several inputs or outputs, or a tensor combined with an earlier one (a residual
    /// connection).</summary>
    BranchingGraph = 7,

    /// <summary>A tensor's data lives in an external file; NetGen reads self-contained models only.</summary>
    ExternalData = 8,

    /// <summary>A dense layer's weight or bias does not fit: a weight that is not 2-D, a bias of the wrong shape, a layer
    /// whose inputs do not match the previous layer's outputs.</summary>
    WeightShape = 9,

    /// <summary>A node uses a tensor that nothing defines, or a weight that is computed rather than stored.</summary>
    MissingInitializer = 10,

    /// <summary>A tensor or value type NetGen cannot compute with: weights that are not FLOAT, DOUBLE, FLOAT16 or BFLOAT16, an
    /// input that is not FLOAT or DOUBLE.</summary>
    UnsupportedDataType = 11,

    /// <summary>A size beyond what NetGen accepts or what the file can hold: too many nodes, layers or parameters, a
    /// negative or overflowing dimension, a layer wider than the limit.</summary>
    HostileSize = 12,

    /// <summary>A weight, or a weight after folding normalization into it, is NaN or infinite.</summary>
    NonFiniteValue = 13,

    /// <summary>The model's <c>netgen.spec</c> metadata (written by NetGen's exporter) does not describe its graph.</summary>
    MetadataMismatch = 14,

    /// <summary>The recognized network breaks one of NetGen's architecture rules (a leaky ReLU slope outside (0, 1), say).</summary>
    ArchitectureRule = 15,

    /// <summary>A valid model loaded into a network it does not fit: another input size, number of layers, layer size,
    /// activation or activation parameter.</summary>
    NetworkMismatch = 16,
}
