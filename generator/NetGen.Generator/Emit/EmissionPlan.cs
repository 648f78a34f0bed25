using System.Collections.Generic;
using System.Linq;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

/// <summary>How single-sample inference is written.</summary>
internal enum ForwardPath
{
    /// <summary>Straight-line code over locals with constant parameter offsets.</summary>
    Unrolled,

    /// <summary>Hidden activations held in Vector256 locals from layer to layer (single precision).</summary>
    RegisterResident,

    /// <summary>Loops over each layer's neurons with fixed-length vector dot products; hidden activations in scratch memory.</summary>
    Looped,

    /// <summary>
    /// Int8 or bfloat16 weights (<c>InferenceWeights</c>): each layer one call of the runtime's compressed-weight kernel,
    /// activations float in scratch memory.
    /// </summary>
    CompressedWeights,

    /// <summary>
    /// <c>SparseInference</c>: the layers sparse enough in the baked weights are straight-line code over their nonzero
    /// weights; the rest loop as in <see cref="Looped"/>; activations in scratch memory.
    /// </summary>
    Sparse,
}

/// <summary>How the mini-batch loss and gradient are written.</summary>
internal enum TrainingPath
{
    /// <summary>No loss declared: forward-only.</summary>
    None,

    /// <summary>Eight samples at a time, one per Vector256 lane, through straight-line code (tiny single-precision networks).</summary>
    Lanes,

    /// <summary>Batched matrix kernels over the workspace.</summary>
    Batched,
}

/// <summary>Where a softmax's exponentials, sum and division are computed.</summary>
internal enum SoftmaxPlacement
{
    /// <summary>No softmax layer.</summary>
    None,

    /// <summary>Scalar locals of the unrolled forward.</summary>
    UnrolledScalars,

    /// <summary>Vector256 locals of the register-resident forward.</summary>
    Registers,

    /// <summary>Over a span, every block of eight z loaded once, written out block by block.</summary>
    UnrolledSpan,

    /// <summary>Over a span, in loops.</summary>
    LoopedSpan,
}

/// <summary>
/// The limits that choose between emission paths and bound how much code one layer can produce. Each says why it is where
/// it is; together they keep a layer's generated source bounded whatever its width (wide layers loop).
/// </summary>
internal static class EmissionLimits
{
    /// <summary>Unrolling pays while a layer's weights fit in a few dozen registers' worth of straight-line code.</summary>
    public const int MaxUnrolledWidth = 32;

    /// <summary>See <see cref="MaxUnrolledWidth"/>: at most this many weights per unrolled layer.</summary>
    public const int MaxUnrolledWeights = 256;

    /// <summary>
    /// In single precision a layer with eight or more inputs is faster as eight side-by-side vector dot products than as
    /// scalar straight-line code, so only networks whose every layer is narrower than a vector are unrolled.
    /// </summary>
    public const int MaxUnrolledFloatInputs = 7;

    /// <summary>Hidden activations above this many elements would make stackalloc risky on small thread stacks.</summary>
    public const int MaxStackElements = 16 * 1024;

    /// <summary>
    /// Single precision: hidden layers of up to this many neurons (a multiple of eight) stay in Vector256 locals between
    /// layers instead of going through stack memory, and inputs of up to this many features are loaded once into
    /// registers. Wider, and the eight row accumulators plus the activations outgrow the sixteen AVX registers: the
    /// spills measured slower than reading the activations back from the stack.
    /// </summary>
    public const int MaxRegisterWidth = 32;

    /// <summary>
    /// A register-resident network's output softmax stays in registers up to this many outputs (five vectors of z and
    /// of e^z); wider, it goes through the output span.
    /// </summary>
    public const int MaxRegisterSoftmax = 40;

    /// <summary>A float softmax over a span of up to this many outputs is written out block by block, its z held in registers.</summary>
    public const int MaxUnrolledSoftmax = 64;

    /// <summary>
    /// Code that runs over a layer's outputs eight at a time is written out block by block up to this many blocks (64
    /// outputs) and loops beyond, so no layer's code grows with its width: the register-resident forward's output layer,
    /// the curvature product's softmax R{δ}. Loops and written-out blocks compute the same operations in the same order.
    /// </summary>
    public const int MaxWrittenOutBlocks = 8;

    /// <summary>
    /// <c>SparseInference</c> without <c>MaxSparseDensity</c>: a layer is written sparse when at most this share of its
    /// weights is nonzero. A sparse term costs a scalar load, multiply and add per nonzero weight, a dense row a 256-bit
    /// multiply-add per eight weights. On the digits 64-128-64-10 pruned alike in every layer (SparseInferenceBenchmarks;
    /// the README's pruning section has the figures) every layer sparse paid at 10 % nonzero and lost at 15 %, so the
    /// threshold sits on the side measured to pay.
    /// </summary>
    public const double DefaultMaxSparseDensity = 0.1;

    /// <summary>
    /// The most nonzero weights a network's sparse code may hold, the sparsest layers first; a layer that would pass it
    /// stays dense. Each is a term of straight-line code (about 18 bytes of machine code, 110 characters of source), so
    /// this bounds the generated source, and beyond about 2,000 terms the code outgrows a 32 KB instruction cache.
    /// </summary>
    public const int MaxSparseTerms = 4096;

    /// <summary>
    /// Sparse rows are split into methods of at most this many multiply-adds, each small enough that the JIT optimises
    /// it (a method with tens of thousands of IL instructions or locals is compiled without optimisation).
    /// </summary>
    public const int MaxSparseTermsPerMethod = 1024;

    /// <summary>Sparse rows are computed this many at a time, their multiply-add chains interleaved column by column.</summary>
    public const int SparseRowsPerBlock = 8;
}

/// <summary>
/// The nonzero pattern of one layer written sparse: per row (neuron) the input columns whose baked weight is nonzero, in
/// ascending order, and whether the row is computed at all (a hidden neuron that only zero weights of the next, also
/// sparse, layer read is not).
/// </summary>
internal sealed class SparseLayerPattern
{
    public SparseLayerPattern(int[][] columns, bool[] computed, int nonzeros)
    {
        Columns = columns;
        Computed = computed;
        Nonzeros = nonzeros;
    }

    public int[][] Columns { get; }

    public bool[] Computed { get; }

    public int Nonzeros { get; }
}

/// <summary>
/// The emission plan of one network, decided once before any code is written: which path inference and training take,
/// where softmax runs, which layers keep their weighted inputs z, and why. Emitters read their choices from here, and
/// the generated file opens with <see cref="Describe"/>, as the Regex generator describes the strategy it chose.
/// </summary>
internal sealed class EmissionPlan
{
    private readonly List<string> _description = [];

    private EmissionPlan(NetworkModel model)
    {
        Model = model;
        string? notUnrolled = WhyNotUnrolled(model);
        string? notRegisters = notUnrolled is null ? "it is unrolled" : WhyNotRegisterResident(model);
        // The path the float weights would take: training's lanes depend on it whatever Forward reads.
        var floatForward = notUnrolled is null ? ForwardPath.Unrolled : notRegisters is null ? ForwardPath.RegisterResident : ForwardPath.Looped;
        Sparse = SparsePatterns(model, out var sparseReasons);
        Forward = model.HasCompressedWeights ? ForwardPath.CompressedWeights : Sparse.Any(p => p is not null) ? ForwardPath.Sparse : floatForward;
        InputInRegisters = Forward == ForwardPath.RegisterResident && model.InputSize <= EmissionLimits.MaxRegisterWidth;
        HiddenScratch = model.Layers.Count > 1 ? model.Layers.Take(model.Layers.Count - 1).Max(l => l.Size) : 0;
        HiddenOnStack = 2 * HiddenScratch <= EmissionLimits.MaxStackElements;
        var output = model.Layers[model.Layers.Count - 1];
        bool softmax = !Activations.Of(output).IsElementwise;
        ForwardSoftmax = !softmax ? SoftmaxPlacement.None
            : Forward == ForwardPath.Unrolled ? SoftmaxPlacement.UnrolledScalars
            : Forward == ForwardPath.RegisterResident && output.Size <= EmissionLimits.MaxRegisterSoftmax ? SoftmaxPlacement.Registers
            : SpanSoftmax(model.IsDouble, output.Size);

        string? notLanes = WhyNotLanes(model, floatForward);
        Training = !model.IsTrainable ? TrainingPath.None : notLanes is null ? TrainingPath.Lanes : TrainingPath.Batched;
        BatchedSoftmax = Training == TrainingPath.Batched && softmax ? SpanSoftmax(model.IsDouble, output.Size) : SoftmaxPlacement.None;
        KeepsZ = model.Layers.Select((layer, l) => l == model.Layers.Count - 1 || Activations.Of(layer).NeedsZ).ToList();
        string? notBatched = WhyNoBatchKernel(model, Forward);
        HasBatchKernel = notBatched is null;

        DescribeForward(notUnrolled, notRegisters);
        DescribeSparse(sparseReasons);
        DescribeBatchedInference(notBatched);
        DescribeTraining(notLanes);
    }

    public NetworkModel Model { get; }

    public ForwardPath Forward { get; }

    /// <summary>
    /// Per dense layer, its nonzero pattern when Forward writes it sparse (<c>SparseInference</c>), else null. All null
    /// unless <see cref="Forward"/> is <see cref="ForwardPath.Sparse"/>.
    /// </summary>
    public IReadOnlyList<SparseLayerPattern?> Sparse { get; }

    /// <summary>Register-resident forward: whether the input is loaded once into registers (else read from memory by the first layer).</summary>
    public bool InputInRegisters { get; }

    /// <summary>The widest hidden layer: the looped forward's scratch holds two of them (even and odd layers).</summary>
    public int HiddenScratch { get; }

    /// <summary>Looped forward: whether the scratch fits on the stack (else pooled arrays).</summary>
    public bool HiddenOnStack { get; }

    public SoftmaxPlacement ForwardSoftmax { get; }

    public TrainingPath Training { get; }

    /// <summary>The batched forward's softmax over each sample's outputs.</summary>
    public SoftmaxPlacement BatchedSoftmax { get; }

    /// <summary>
    /// Per dense layer, whether training keeps its weighted input z: the output layer always (the losses' stable forms
    /// read zᴸ), a hidden layer only where its activation's σ' or σ'' reads z. The rest keep only a.
    /// </summary>
    public IReadOnlyList<bool> KeepsZ { get; }

    /// <summary>
    /// Whether batched inference runs blocks of samples through the network's own matrix kernels (<c>IBatchForward</c>),
    /// rather than <c>Forward</c> once per sample.
    /// </summary>
    public bool HasBatchKernel { get; }

    /// <summary>The plan as comment lines, each choice with its reason.</summary>
    public IReadOnlyList<string> Describe => _description;

    public static EmissionPlan For(NetworkModel model) => new(model);

    /// <summary>Where a softmax over a span of <paramref name="size"/> outputs runs.</summary>
    public static SoftmaxPlacement SpanSoftmax(bool isDouble, int size) =>
        !isDouble && size >= 8 && size <= EmissionLimits.MaxUnrolledSoftmax ? SoftmaxPlacement.UnrolledSpan : SoftmaxPlacement.LoopedSpan;

    private static string? WhyNotUnrolled(NetworkModel model)
    {
        int maxInputs = model.IsDouble ? EmissionLimits.MaxUnrolledWidth : EmissionLimits.MaxUnrolledFloatInputs;
        for (int l = 0; l < model.Layers.Count; l++)
        {
            int inputs = model.InputSizeOf(l);
            int size = model.Layers[l].Size;
            string layer = "dense layer " + MathText.Int(l + 1);
            if (inputs > maxInputs)
            {
                return $"{layer} has {MathText.Int(inputs)} inputs (unrolled layers have at most {MathText.Int(maxInputs)} in {(model.IsDouble ? "double" : "single")} precision)";
            }

            if (size > EmissionLimits.MaxUnrolledWidth)
            {
                return $"{layer} has {MathText.Int(size)} neurons (unrolled layers have at most {MathText.Int(EmissionLimits.MaxUnrolledWidth)})";
            }

            if (inputs * size > EmissionLimits.MaxUnrolledWeights)
            {
                return $"{layer} has {MathText.Int(inputs * size)} weights (unrolled layers have at most {MathText.Int(EmissionLimits.MaxUnrolledWeights)})";
            }
        }

        return null;
    }

    private static string? WhyNotRegisterResident(NetworkModel model)
    {
        if (model.IsDouble)
        {
            return "double precision keeps hidden activations in memory";
        }

        if (model.Layers.Count == 1)
        {
            return "there is no hidden layer to keep in registers";
        }

        if (model.InputSize % 8 != 0)
        {
            return $"the {MathText.Int(model.InputSize)} inputs are not a multiple of 8";
        }

        for (int l = 0; l < model.Layers.Count - 1; l++)
        {
            int size = model.Layers[l].Size;
            if (size % 8 != 0 || size > EmissionLimits.MaxRegisterWidth)
            {
                return $"hidden layer {MathText.Int(l + 1)} is {MathText.Int(size)} wide (registers hold multiples of 8 up to {MathText.Int(EmissionLimits.MaxRegisterWidth)})";
            }
        }

        return null;
    }

    private static string? WhyNotLanes(NetworkModel model, ForwardPath forward)
    {
        if (model.IsDouble)
        {
            return "double precision (the lanes are Vector256 of floats)";
        }

        if (forward != ForwardPath.Unrolled)
        {
            return "the network is too wide for straight-line code (lanes need the unrolled forward)";
        }

        if (model.HasInputDropout || model.Layers.Any(l => l.HasDropout))
        {
            return "dropout (the batched path draws masks in the interpreted engine's order)";
        }

        return null;
    }

    private static string? WhyNoBatchKernel(NetworkModel model, ForwardPath forward)
    {
        if (forward == ForwardPath.CompressedWeights)
        {
            return "the compressed weights are read by the single-sample kernels";
        }

        if (forward == ForwardPath.Sparse)
        {
            return "Forward skips the weights that are zero in the baked file (SparseInference), and batches see the weights it sees";
        }

        if (model.IsDouble)
        {
            return "double precision (the batched kernels are single precision)";
        }

        if (forward != ForwardPath.Looped)
        {
            return "a network this small computes a sample fastest in its own straight-line or register-resident Forward";
        }

        return null;
    }

    private string DescribeCompressedWeights(NetworkModel model)
    {
        int weights = model.WeightCount;
        string format = model.InferenceWeights == Shared.WeightFormat.Int8
            ? $"int8 weights with one scale per neuron ({MathText.Int(weights)} bytes of W, a quarter of float)"
            : $"bfloat16 weights, rounded to nearest even ({MathText.Int(2 * weights)} bytes of W, half of float)";
        string kernel = model.InferenceWeights == Shared.WeightFormat.Int8 ? "DenseInt8" : "DenseBFloat16";
        return $"Forward: {format}; each layer is one call of QuantizedKernels.{kernel} (512-bit vectors where the CPU accelerates them, " +
            "AVX2 where not), inputs, activations and biases float" +
            (HiddenScratch == 0 ? "." : HiddenOnStack
                ? $"; hidden activations on the stack (2 × {MathText.Int(HiddenScratch)} elements)."
                : $"; hidden activations in pooled arrays (2 × {MathText.Int(HiddenScratch)} elements exceed the {MathText.Int(EmissionLimits.MaxStackElements)} the stack may hold).") +
            " Training reads the float Parameters; Forward compresses them again whenever they may have changed" +
            (model.Weights is null ? "." : ", and starts from the compressed weights baked in.");
    }

    /// <summary>
    /// With <c>SparseInference</c>: per layer, its nonzero weights in the baked file, and whether they are few enough for
    /// the sparse form (at most the density threshold, within <see cref="EmissionLimits.MaxSparseTerms"/>); all null when
    /// no layer is, or when the network is not declared sparse.
    /// </summary>
    private static IReadOnlyList<SparseLayerPattern?> SparsePatterns(NetworkModel model, out List<string> reasons)
    {
        reasons = [];
        var none = new SparseLayerPattern?[model.Layers.Count];
        if (model.Sparse is not { } sparse || model.Weights is not { } weights || model.HasCompressedWeights)
        {
            return none;
        }

        var blob = weights.ParameterBytes;
        int size = model.IsDouble ? 8 : 4;

        // ±0 in the network's precision, from the little-endian bytes.
        bool IsZero(int index) => model.IsDouble
            ? (System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(blob.Span.Slice(index * size, size)) & long.MaxValue) == 0
            : (System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(blob.Span.Slice(index * size, size)) & int.MaxValue) == 0;

        // Counted first, and the columns listed only for layers that may be chosen, so a large dense network costs no
        // memory beyond its weights.
        var columns = new int[model.Layers.Count][][];
        var nonzeros = new int[model.Layers.Count];
        var density = new double[model.Layers.Count];
        for (int l = 0; l < model.Layers.Count; l++)
        {
            int count = model.InputSizeOf(l) * model.Layers[l].Size;
            int offset = model.WeightsOffsetOf(l);
            for (int i = 0; i < count; i++)
            {
                nonzeros[l] += IsZero(offset + i) ? 0 : 1;
            }

            density[l] = nonzeros[l] / (double)count;
            int inputs = model.InputSizeOf(l);
            int rows = model.Layers[l].Size;
            if (density[l] > sparse.MaxDensity || nonzeros[l] > EmissionLimits.MaxSparseTerms)
            {
                columns[l] = [];
                continue;
            }

            columns[l] = new int[rows][];
            for (int j = 0; j < rows; j++)
            {
                var row = new List<int>();
                for (int k = 0; k < inputs; k++)
                {
                    if (!IsZero(offset + (j * inputs) + k))
                    {
                        row.Add(k);
                    }
                }

                columns[l][j] = row.ToArray();
            }
        }

        // The sparsest layers take the term budget first: they gain the most per term.
        var chosen = new bool[model.Layers.Count];
        var why = new string[model.Layers.Count];
        string threshold = Percent(sparse.MaxDensity) + (sparse.MaxDensity == EmissionLimits.DefaultMaxSparseDensity ? " (the measured threshold; MaxSparseDensity sets another)" : " (MaxSparseDensity)");
        int terms = 0;
        foreach (int l in Enumerable.Range(0, model.Layers.Count).OrderBy(l => density[l]).ThenBy(l => l))
        {
            if (density[l] > sparse.MaxDensity)
            {
                why[l] = $"dense: above the {threshold} at which sparse rows are written.";
            }
            else if (terms + nonzeros[l] > EmissionLimits.MaxSparseTerms)
            {
                why[l] = $"dense: its nonzero weights would take the network's sparse code past {MathText.Int(EmissionLimits.MaxSparseTerms)} terms.";
            }
            else if (columns[l].Any(r => r.Length > EmissionLimits.MaxSparseTermsPerMethod))
            {
                why[l] = $"dense: a row has more than the {MathText.Int(EmissionLimits.MaxSparseTermsPerMethod)} nonzero weights one sparse method may hold.";
            }
            else
            {
                chosen[l] = true;
                terms += nonzeros[l];
                int emptyRows = columns[l].Count(r => r.Length == 0);
                int unread = model.InputSizeOf(l) - Read(columns[l], model.InputSizeOf(l)).Count(read => read);
                why[l] = $"sparse: at most {threshold}; {Count(emptyRows, "row")} with no nonzero weight, {Count(unread, "input")} no nonzero weight reads.";
            }
        }

        for (int l = 0; l < model.Layers.Count; l++)
        {
            long total = (long)model.InputSizeOf(l) * model.Layers[l].Size;
            reasons.Add($"Dense layer {MathText.Int(l + 1)}: {MathText.Int(nonzeros[l])} of {total.ToString(System.Globalization.CultureInfo.InvariantCulture)} weights nonzero ({Percent(density[l])}), {why[l]}");
        }

        if (!chosen.Any(c => c))
        {
            reasons.Add("No layer is sparse enough, so Forward takes the dense path above.");
            return none;
        }

        var patterns = new SparseLayerPattern?[model.Layers.Count];
        for (int l = 0; l < model.Layers.Count; l++)
        {
            if (!chosen[l])
            {
                continue;
            }

            // A hidden neuron is computed unless the next layer is sparse and reads it with no nonzero weight; an
            // elementwise activation makes its value matter to nothing else (a softmax is only ever the output layer).
            int rows = model.Layers[l].Size;
            bool nextSparse = l + 1 < model.Layers.Count && chosen[l + 1];
            var computed = nextSparse ? Read(columns[l + 1], rows) : Enumerable.Repeat(true, rows).ToArray();

            patterns[l] = new SparseLayerPattern(columns[l], computed, nonzeros[l]);
        }

        return patterns;

        static string Percent(double share) => (100 * share).ToString("0.#", System.Globalization.CultureInfo.InvariantCulture) + " %";

        // Which of a layer's inputs some nonzero weight reads.
        static bool[] Read(int[][] rows, int inputs)
        {
            var read = new bool[inputs];
            foreach (int[] row in rows)
            {
                foreach (int k in row)
                {
                    read[k] = true;
                }
            }

            return read;
        }

        static string Count(int count, string noun) => MathText.Int(count) + " " + noun + (count == 1 ? string.Empty : "s");
    }

    private void DescribeSparse(List<string> reasons)
    {
        foreach (string reason in reasons)
        {
            Add("Sparse rows: " + reason);
        }
    }

    private void DescribeBatchedInference(string? notBatched)
    {
        Add(notBatched is null
            ? "Batched inference: blocks of samples (InferenceWorkspace.ChunkSamples) go through each layer together, eight rows by " +
              "three samples per kernel call with 512-bit vectors where the CPU accelerates them (four rows by three with 256-bit where " +
              "not), bias and activation applied before each store."
            : $"Batched inference: Forward once per sample, as {notBatched}.");
    }

    private void DescribeForward(string? notUnrolled, string? notRegisters)
    {
        var model = Model;
        switch (Forward)
        {
            case ForwardPath.Unrolled:
                Add("Forward: unrolled. Every layer is small enough for straight-line code over constant parameter offsets" +
                    (model.IsDouble ? "." : "; layers with two or four inputs compute four neurons per Vector128."));
                break;
            case ForwardPath.RegisterResident:
                Add("Forward: register-resident. Every hidden layer is a multiple of 8 and at most " + MathText.Int(EmissionLimits.MaxRegisterWidth) +
                    " wide, so hidden activations stay in Vector256 registers from layer to layer; the input is " +
                    (InputInRegisters ? "loaded once into registers" : $"read from memory (more than {MathText.Int(EmissionLimits.MaxRegisterWidth)} features)") +
                    (model.OutputSize / 8 > EmissionLimits.MaxWrittenOutBlocks
                        ? $"; the {MathText.Int(model.OutputSize)} outputs loop over blocks of eight (written out up to {MathText.Int(8 * EmissionLimits.MaxWrittenOutBlocks)})."
                        : "."));
                break;
            case ForwardPath.CompressedWeights:
                Add(DescribeCompressedWeights(model));
                break;
            case ForwardPath.Sparse:
                Add("Forward: sparse (SparseInference). The layers below marked sparse are straight-line code over only their nonzero " +
                    "baked weights, read from Parameters at constant offsets, " + MathText.Int(EmissionLimits.SparseRowsPerBlock) +
                    " rows at a time with their multiply-add chains interleaved column by column; a row with no nonzero weight is z = b, " +
                    "and a hidden neuron whose outputs only zero weights of a sparse next layer read is not computed. A weight zero in " +
                    "the baked file stays zero for Forward whatever Parameters later holds there. The other layers loop with fixed-length " +
                    (model.IsDouble ? "Vector<double> dot products" : "dot products, eight rows side by side in Vector256 lanes") +
                    (HiddenScratch == 0 ? "." : HiddenOnStack
                        ? $"; hidden activations on the stack (2 × {MathText.Int(HiddenScratch)} elements)."
                        : $"; hidden activations in pooled arrays (2 × {MathText.Int(HiddenScratch)} elements exceed the {MathText.Int(EmissionLimits.MaxStackElements)} the stack may hold)."));
                break;
            default:
                Add($"Forward: looped, as {notUnrolled} and {notRegisters}. Each layer loops over its neurons with fixed-length " +
                    (model.IsDouble ? "Vector<double> dot products" : "dot products, eight rows side by side in Vector256 lanes") +
                    (HiddenScratch == 0 ? "." : HiddenOnStack
                        ? $"; hidden activations on the stack (2 × {MathText.Int(HiddenScratch)} elements)."
                        : $"; hidden activations in pooled arrays (2 × {MathText.Int(HiddenScratch)} elements exceed the {MathText.Int(EmissionLimits.MaxStackElements)} the stack may hold)."));
                break;
        }

        int outputs = model.OutputSize;
        switch (ForwardSoftmax)
        {
            case SoftmaxPlacement.UnrolledScalars:
                Add("Output softmax: straight-line scalars, shifted by the largest z.");
                break;
            case SoftmaxPlacement.Registers:
                Add($"Output softmax: in registers ({MathText.Int(outputs)} outputs, at most {MathText.Int(EmissionLimits.MaxRegisterSoftmax)}), with no pass through memory.");
                break;
            case SoftmaxPlacement.UnrolledSpan or SoftmaxPlacement.LoopedSpan:
                Add("Output softmax: " + DescribeSpan(ForwardSoftmax, outputs) +
                    (Forward == ForwardPath.RegisterResident ? $" (more than {MathText.Int(EmissionLimits.MaxRegisterSoftmax)} outputs stay out of registers)." : "."));
                break;
        }
    }

    private void DescribeTraining(string? notLanes)
    {
        var model = Model;
        switch (Training)
        {
            case TrainingPath.None:
                Add("Training: none, as no loss is declared (forward-only).");
                return;
            case TrainingPath.Lanes:
                Add("Training: eight samples at a time, one per Vector256 lane, through straight-line code (single precision, unrolled, no dropout).");
                break;
            default:
                Add($"Training: batched matrix kernels, as {notLanes}." +
                    (model.IsDouble ? " Loops in the interpreted engine's operation order." : " Forward four rows × two or three samples, weight gradient four rows × 24 columns, back error four samples × 16 columns."));
                if (BatchedSoftmax != SoftmaxPlacement.None)
                {
                    Add("Batched softmax: " + DescribeSpan(BatchedSoftmax, model.OutputSize) + ".");
                }

                break;
        }

        var hiddenWithZ = Enumerable.Range(0, model.Layers.Count - 1).Where(l => KeepsZ[l]).Select(l => "z" + MathText.Sup(l + 1)).ToList();
        Add("Weighted inputs kept for backpropagation: zᴸ (the losses' stable forms)" +
            (hiddenWithZ.Count > 0
                ? $" and {string.Join(", ", hiddenWithZ)} (their activations' σ' and σ'' read z)."
                : model.Layers.Count > 1 ? "; hidden layers keep only a, from which their activations' σ' and σ'' are computed." : "."));
    }

    private static string DescribeSpan(SoftmaxPlacement placement, int size) => placement == SoftmaxPlacement.UnrolledSpan
        ? $"written out block by block over the span ({MathText.Int(size)} outputs, 8 to {MathText.Int(EmissionLimits.MaxUnrolledSoftmax)}), every z loaded once"
        : $"loops over the span ({MathText.Int(size)} outputs; written out block by block only from 8 to {MathText.Int(EmissionLimits.MaxUnrolledSoftmax)} in single precision)";

    private void Add(string line) => _description.Add(line);
}
