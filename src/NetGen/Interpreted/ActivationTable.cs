using System;
using System.Globalization;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using NetGen.Numerics;

namespace NetGen;

// The runtime's one definition of each activation: its forward map, σ′ and σ″ as functions of (z, a), whether those need
// the weighted input z (the workspace keeps z only then), and its PyTorch module. The interpreted engine's forward,
// backward and curvature passes and the weights file's PyTorch description read everything from here; adding an
// activation is adding an entry (the generator has its own table, in its own language: the code it emits; the ONNX forms
// are NetGen.Onnx's one table, src/NetGen.Onnx/Import/Shared/OnnxActivationTable.cs).
//
// Each entry is a struct of static members (IElementwiseActivation<TSelf>); ElementwiseKernel<T, TActivation> writes the span
// loops once for all of them, with the entry's formulas inlined by the JIT. Softmax, the one activation that is not
// elementwise, has its own kernel.

/// <summary>What the runtime knows about an activation apart from its arithmetic.</summary>
internal abstract class ActivationDefinition
{
    /// <summary>The activation described.</summary>
    public abstract Activation Activation { get; }

    /// <summary>
    /// Whether σ′ or σ″ needs the weighted input z: false when they are functions of a = σ(z) alone, so the workspace
    /// need not keep z.
    /// </summary>
    public abstract bool NeedsWeightedInput { get; }

    /// <summary>Whether a network using it can be trained (Step's derivative is zero almost everywhere).</summary>
    public abstract bool IsTrainable { get; }

    /// <summary>Whether σ acts on each neuron alone (everything but Softmax).</summary>
    public abstract bool IsElementwise { get; }

    /// <summary>The PyTorch module that follows the layer's <c>nn.Linear</c>, e.g. <c>nn.ELU(alpha=1)</c>; null for Identity.</summary>
    /// <param name="layer">The layer, for its parameters.</param>
    public abstract string? PyTorchModule(DenseLayerSpec layer);
}

/// <summary>An activation's arithmetic over spans of <typeparamref name="T"/>, for the interpreted engine.</summary>
/// <typeparam name="T">The floating-point type.</typeparam>
/// <remarks>
/// Every method takes the layer (for α and the like) and z, which is empty unless <see cref="ActivationDefinition.NeedsWeightedInput"/>.
/// </remarks>
internal abstract class ActivationKernel<T> : ActivationDefinition
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>a = σ(z), over any number of whole samples of the layer's width; z and a may be the same span.</summary>
    public abstract void Activate(DenseLayerSpec layer, ReadOnlySpan<T> z, Span<T> a);

    /// <summary>δ ⊙= σ′(z): backpropagation through the activation (BP1, BP2).</summary>
    public abstract void MultiplyByDerivative(DenseLayerSpec layer, ReadOnlySpan<T> z, ReadOnlySpan<T> a, Span<T> delta);

    /// <summary>result = σ′(z) · values, elementwise: the directional derivative R{a} = σ′(z) ⊙ R{z}.</summary>
    public abstract void ScaleByDerivative(DenseLayerSpec layer, ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> values, Span<T> result);

    /// <summary>σ′(z) into <paramref name="first"/>, and σ″(z) into <paramref name="second"/> unless it is empty.</summary>
    public abstract void Derivatives(DenseLayerSpec layer, ReadOnlySpan<T> z, ReadOnlySpan<T> a, Span<T> first, Span<T> second);
}

/// <summary>The activations by their enum value, each with its arithmetic in <typeparamref name="T"/>.</summary>
/// <typeparam name="T">The floating-point type.</typeparam>
internal static class ActivationTable<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    // In enum order; ActivationTableTests checks that every Activation has its entry at its value.
    private static readonly ActivationKernel<T>[] Kernels =
    [
        new ElementwiseKernel<T, IdentityActivation>(),
        new ElementwiseKernel<T, SigmoidActivation>(),
        new ElementwiseKernel<T, TanhActivation>(),
        new ElementwiseKernel<T, ReLUActivation>(),
        new ElementwiseKernel<T, LeakyReLUActivation>(),
        new SoftmaxKernel<T>(),
        new ElementwiseKernel<T, StepActivation>(),
        new ElementwiseKernel<T, EluActivation>(),
        new ElementwiseKernel<T, GeluActivation>(),
        new ElementwiseKernel<T, SiluActivation>(),
        new ElementwiseKernel<T, SoftplusActivation>(),
    ];

    /// <summary>The entry for <paramref name="activation"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No such activation.</exception>
    public static ActivationKernel<T> For(Activation activation) =>
        (uint)activation < (uint)Kernels.Length
            ? Kernels[(int)activation]
            : throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation.");
}

/// <summary>The activations' descriptions, independent of the number type.</summary>
internal static class ActivationTable
{
    /// <summary>The description of <paramref name="activation"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No such activation.</exception>
    public static ActivationDefinition For(Activation activation) => ActivationTable<double>.For(activation);
}

/// <summary>One elementwise activation: its description and its formulas, all static so they inline into the span loops.</summary>
internal interface IElementwiseActivation<TSelf>
    where TSelf : struct, IElementwiseActivation<TSelf>
{
    static abstract Activation Activation { get; }

    static abstract bool NeedsWeightedInput { get; }

    static virtual bool IsTrainable => true;


    static abstract string? PyTorchModule(DenseLayerSpec layer);

    /// <summary>The layer's parameter the formulas take (a slope, α), or 0.</summary>
    static virtual double Parameter(DenseLayerSpec layer) => 0.0;

    /// <summary>σ(z).</summary>
    static abstract T Value<T>(T z, T parameter)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>σ′(z), given z (zero unless <see cref="NeedsWeightedInput"/>) and a = σ(z).</summary>
    static abstract T Derivative<T>(T z, T a, T parameter)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>σ″(z), given z (zero unless <see cref="NeedsWeightedInput"/>) and a = σ(z).</summary>
    static abstract T SecondDerivative<T>(T z, T a, T parameter)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>a = σ(z) over a span (z and a may be the same span): vectorised where a vector form exists.</summary>
    static abstract void Activate<T>(ReadOnlySpan<T> z, Span<T> a, T parameter)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>
    /// δ·σ′(z) for backpropagation; the piecewise-linear entries select instead of multiplying, so a dead unit passes
    /// exactly 0 (not δ·0, which is NaN for an infinite δ).
    /// </summary>
    static virtual T TimesDerivative<T>(T z, T a, T delta, T parameter)
        where T : unmanaged, IFloatingPointIeee754<T> => delta * TSelf.Derivative(z, a, parameter);
}

/// <summary>The span loops of an elementwise activation, written once for every entry.</summary>
/// <typeparam name="T">The floating-point type.</typeparam>
/// <typeparam name="TActivation">The entry.</typeparam>
internal sealed class ElementwiseKernel<T, TActivation> : ActivationKernel<T>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TActivation : struct, IElementwiseActivation<TActivation>
{
    public override Activation Activation => TActivation.Activation;

    public override bool NeedsWeightedInput => TActivation.NeedsWeightedInput;

    public override bool IsTrainable => TActivation.IsTrainable;

    public override bool IsElementwise => true;


    public override string? PyTorchModule(DenseLayerSpec layer) => TActivation.PyTorchModule(layer);

    public override void Activate(DenseLayerSpec layer, ReadOnlySpan<T> z, Span<T> a) =>
        TActivation.Activate(z, a, T.CreateChecked(TActivation.Parameter(layer)));

    public override void MultiplyByDerivative(DenseLayerSpec layer, ReadOnlySpan<T> z, ReadOnlySpan<T> a, Span<T> delta)
    {
        if (TActivation.Activation == Activation.Identity)
        {
            return;
        }

        T parameter = T.CreateChecked(TActivation.Parameter(layer));
        for (int i = 0; i < delta.Length; i++)
        {
            T zi = TActivation.NeedsWeightedInput ? z[i] : T.Zero;
            delta[i] = TActivation.TimesDerivative(zi, a[i], delta[i], parameter);
        }
    }

    public override void ScaleByDerivative(DenseLayerSpec layer, ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> values, Span<T> result)
    {
        T parameter = T.CreateChecked(TActivation.Parameter(layer));
        for (int i = 0; i < result.Length; i++)
        {
            T zi = TActivation.NeedsWeightedInput ? z[i] : T.Zero;
            result[i] = TActivation.Derivative(zi, a[i], parameter) * values[i];
        }
    }

    public override void Derivatives(DenseLayerSpec layer, ReadOnlySpan<T> z, ReadOnlySpan<T> a, Span<T> first, Span<T> second)
    {
        T parameter = T.CreateChecked(TActivation.Parameter(layer));
        for (int i = 0; i < first.Length; i++)
        {
            T zi = TActivation.NeedsWeightedInput ? z[i] : T.Zero;
            first[i] = TActivation.Derivative(zi, a[i], parameter);
        }

        for (int i = 0; i < second.Length; i++)
        {
            T zi = TActivation.NeedsWeightedInput ? z[i] : T.Zero;
            second[i] = TActivation.SecondDerivative(zi, a[i], parameter);
        }
    }
}

/// <summary>Softmax: a row-wise map, whose Jacobian the losses apply themselves; it has no elementwise derivative.</summary>
/// <typeparam name="T">The floating-point type.</typeparam>
internal sealed class SoftmaxKernel<T> : ActivationKernel<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public override Activation Activation => Activation.Softmax;

    public override bool NeedsWeightedInput => false;

    public override bool IsTrainable => true;

    public override bool IsElementwise => false;


    public override string? PyTorchModule(DenseLayerSpec layer) => "nn.Softmax(dim=-1)";

    public override void Activate(DenseLayerSpec layer, ReadOnlySpan<T> z, Span<T> a)
    {
        int width = layer.Size;
        for (int s = 0; s + width <= a.Length; s += width)
        {
            Softmax(z.Slice(s, width), a.Slice(s, width));
        }
    }

    public override void MultiplyByDerivative(DenseLayerSpec layer, ReadOnlySpan<T> z, ReadOnlySpan<T> a, Span<T> delta) => throw NotElementwise();

    public override void ScaleByDerivative(DenseLayerSpec layer, ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> values, Span<T> result) => throw NotElementwise();

    public override void Derivatives(DenseLayerSpec layer, ReadOnlySpan<T> z, ReadOnlySpan<T> a, Span<T> first, Span<T> second) => throw NotElementwise();

    /// <summary>a = softmax(z) for one sample; subtracting the maximum keeps every exponent ≤ 0, so nothing overflows.</summary>
    public static void Softmax(ReadOnlySpan<T> z, Span<T> a)
    {
        T max = TensorPrimitives.Max(z);
        TensorPrimitives.Subtract(z, max, a);
        TensorPrimitives.Exp(a, a);
        T sum = TensorPrimitives.Sum<T>(a);
        TensorPrimitives.Divide(a, sum, a);
    }

    private static InvalidOperationException NotElementwise() =>
        new("Softmax has no elementwise derivative; the losses apply its Jacobian (LossTable).");
}

/// <summary>σ(z) = z.</summary>
internal readonly struct IdentityActivation : IElementwiseActivation<IdentityActivation>
{
    public static Activation Activation => Activation.Identity;

    public static bool NeedsWeightedInput => false;


    public static string? PyTorchModule(DenseLayerSpec layer) => null;

    public static T Value<T>(T z, T parameter)
        where T : unmanaged, IFloatingPointIeee754<T> => z;

    public static T Derivative<T>(T z, T a, T parameter)
        where T : unmanaged, IFloatingPointIeee754<T> => T.One;

    public static T SecondDerivative<T>(T z, T a, T parameter)
        where T : unmanaged, IFloatingPointIeee754<T> => T.Zero;

    public static void Activate<T>(ReadOnlySpan<T> z, Span<T> a, T parameter)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!Unsafe.AreSame(ref MemoryMarshal.GetReference(z), ref MemoryMarshal.GetReference(a)))
        {
            z.CopyTo(a);
        }
    }
}

/// <summary>σ(z) = 1/(1 + e^(−z)); σ′ = a(1 − a), σ″ = σ′(1 − 2a).</summary>
internal readonly struct SigmoidActivation : IElementwiseActivation<SigmoidActivation>
{
    public static Activation Activation => Activation.Sigmoid;

    public static bool NeedsWeightedInput => false;


    public static string? PyTorchModule(DenseLayerSpec layer) => "nn.Sigmoid()";

    public static T Value<T>(T z, T parameter)
        where T : unmanaged, IFloatingPointIeee754<T> => T.One / (T.One + T.Exp(-z));

    public static T Derivative<T>(T z, T a, T parameter)
        where T : unmanaged, IFloatingPointIeee754<T> => a * (T.One - a);

    public static T SecondDerivative<T>(T z, T a, T parameter)
        where T : unmanaged, IFloatingPointIeee754<T> => a * (T.One - a) * (T.One - (a + a));

    public static void Activate<T>(ReadOnlySpan<T> z, Span<T> a, T parameter)
        where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Sigmoid(z, a);
}

/// <summary>σ(z) = tanh z; σ′ = 1 − a², σ″ = −2a(1 − a²).</summary>
internal readonly struct TanhActivation : IElementwiseActivation<TanhActivation>
{
    public static Activation Activation => Activation.Tanh;

    public static bool NeedsWeightedInput => false;


    public static string? PyTorchModule(DenseLayerSpec layer) => "nn.Tanh()";

    public static T Value<T>(T z, T parameter)
        where T : unmanaged, IFloatingPointIeee754<T> => T.Tanh(z);

    public static T Derivative<T>(T z, T a, T parameter)
        where T : unmanaged, IFloatingPointIeee754<T> => T.One - a * a;

    public static T SecondDerivative<T>(T z, T a, T parameter)
        where T : unmanaged, IFloatingPointIeee754<T> => -(a + a) * (T.One - a * a);

    public static void Activate<T>(ReadOnlySpan<T> z, Span<T> a, T parameter)
        where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Tanh(z, a);
}

/// <summary>σ(z) = max(0, z); σ′ = 1 where a &gt; 0 (exactly where z &gt; 0), else 0; σ″ = 0.</summary>
internal readonly struct ReLUActivation : IElementwiseActivation<ReLUActivation>
{
    public static Activation Activation => Activation.ReLU;

    public static bool NeedsWeightedInput => false;


    public static string? PyTorchModule(DenseLayerSpec layer) => "nn.ReLU()";

    // IEEE max, as generated code: a NaN z stays NaN instead of turning into 0.
    public static T Value<T>(T z, T parameter)
        where T : unmanaged, IFloatingPointIeee754<T> => T.Max(z, T.Zero);

    public static T Derivative<T>(T z, T a, T parameter)
        where T : unmanaged, IFloatingPointIeee754<T> => a > T.Zero ? T.One : T.Zero;

    public static T TimesDerivative<T>(T z, T a, T delta, T parameter)
        where T : unmanaged, IFloatingPointIeee754<T> => a > T.Zero ? delta : T.Zero;

    public static T SecondDerivative<T>(T z, T a, T parameter)
        where T : unmanaged, IFloatingPointIeee754<T> => T.Zero;

    public static void Activate<T>(ReadOnlySpan<T> z, Span<T> a, T parameter)
        where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Max(z, T.Zero, a);
}

/// <summary>σ(z) = z for z &gt; 0, αz otherwise (α the layer's leaky slope); σ′ = 1 or α by the sign of a; σ″ = 0.</summary>
internal readonly struct LeakyReLUActivation : IElementwiseActivation<LeakyReLUActivation>
{
    public static Activation Activation => Activation.LeakyReLU;

    public static bool NeedsWeightedInput => false;


    public static string? PyTorchModule(DenseLayerSpec layer) =>
        "nn.LeakyReLU(negative_slope=" + layer.LeakySlope.ToString("R", CultureInfo.InvariantCulture) + ")";

    public static double Parameter(DenseLayerSpec layer) => layer.LeakySlope;

    public static T Value<T>(T z, T parameter)
        where T : unmanaged, IFloatingPointIeee754<T> => z > T.Zero ? z : parameter * z;

    public static T Derivative<T>(T z, T a, T parameter)
        where T : unmanaged, IFloatingPointIeee754<T> => a > T.Zero ? T.One : parameter;

    public static T TimesDerivative<T>(T z, T a, T delta, T parameter)
        where T : unmanaged, IFloatingPointIeee754<T> => a > T.Zero ? delta : parameter * delta;

    public static T SecondDerivative<T>(T z, T a, T parameter)
        where T : unmanaged, IFloatingPointIeee754<T> => T.Zero;

    public static void Activate<T>(ReadOnlySpan<T> z, Span<T> a, T parameter)
        where T : unmanaged, IFloatingPointIeee754<T> => Elementwise.Map<T, LeakyReLUActivation>(z, a, parameter);
}

/// <summary>The perceptron's threshold, 1 if z &gt; 0 else 0: forward only.</summary>
internal readonly struct StepActivation : IElementwiseActivation<StepActivation>
{
    public static Activation Activation => Activation.Step;

    public static bool NeedsWeightedInput => false;

    public static bool IsTrainable => false;


    // No built-in module: a module computing (x > 0).to(x.dtype).
    public static string? PyTorchModule(DenseLayerSpec layer) => "Step()";

    public static T Value<T>(T z, T parameter)
        where T : unmanaged, IFloatingPointIeee754<T> => z > T.Zero ? T.One : T.Zero;

    public static T Derivative<T>(T z, T a, T parameter)
        where T : unmanaged, IFloatingPointIeee754<T> => T.Zero;

    public static T SecondDerivative<T>(T z, T a, T parameter)
        where T : unmanaged, IFloatingPointIeee754<T> => T.Zero;

    public static void Activate<T>(ReadOnlySpan<T> z, Span<T> a, T parameter)
        where T : unmanaged, IFloatingPointIeee754<T> => Elementwise.Map<T, StepActivation>(z, a, parameter);
}

/// <summary>
/// ELU: σ(z) = z for z &gt; 0, α(e^z − 1) otherwise. σ′ = σ″ = αe^z = a + α for z ≤ 0 (and a ≤ 0 exactly there), so z is
/// not needed; a + α loses relative accuracy only where σ′ is below α·2⁻⁵³ or so anyway (PyTorch's in-place ELU does the same).
/// </summary>
internal readonly struct EluActivation : IElementwiseActivation<EluActivation>
{
    public static Activation Activation => Activation.ELU;

    public static bool NeedsWeightedInput => false;


    public static string? PyTorchModule(DenseLayerSpec layer) =>
        "nn.ELU(alpha=" + layer.Alpha.ToString("R", CultureInfo.InvariantCulture) + ")";

    public static double Parameter(DenseLayerSpec layer) => layer.Alpha;

    public static T Value<T>(T z, T parameter)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Real.IsSingle<T>()
            ? Real.FromSingle<T>(VectorMath.Elu(Real.ToSingle(z), Real.ToSingle(parameter)))
            : Real.FromDouble<T>(VectorMath.Elu(Real.ToDouble(z), Real.ToDouble(parameter)));

    public static T Derivative<T>(T z, T a, T parameter)
        where T : unmanaged, IFloatingPointIeee754<T> => a > T.Zero ? T.One : a + parameter;

    public static T SecondDerivative<T>(T z, T a, T parameter)
        where T : unmanaged, IFloatingPointIeee754<T> => a > T.Zero ? T.Zero : a + parameter;

    public static void Activate<T>(ReadOnlySpan<T> z, Span<T> a, T parameter)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Real.IsSingle<T>())
        {
            Elementwise.Map<EluSingle>(Real.AsSingles(z), Real.AsSingles(a), Real.ToSingle(parameter));
        }
        else
        {
            Elementwise.Map<T, EluActivation>(z, a, parameter);
        }
    }

    private readonly struct EluSingle : ISingleFunction
    {
        public static float Apply(float x, float parameter) => VectorMath.Elu(x, parameter);

        public static Vector256<float> Apply(Vector256<float> x, float parameter) => VectorMath.Elu(x, parameter);
    }
}

/// <summary>GELU (exact): σ = zΦ(z), σ′ = Φ(z) + zφ(z), σ″ = φ(z)(2 − z²). Not monotonic, so σ′ needs z.</summary>
internal readonly struct GeluActivation : IElementwiseActivation<GeluActivation>
{
    public static Activation Activation => Activation.GELU;

    public static bool NeedsWeightedInput => true;


    public static string? PyTorchModule(DenseLayerSpec layer) => "nn.GELU()";

    public static T Value<T>(T z, T parameter)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Real.IsSingle<T>() ? Real.FromSingle<T>(VectorMath.Gelu(Real.ToSingle(z))) : Real.FromDouble<T>(VectorMath.Gelu(Real.ToDouble(z)));

    public static T Derivative<T>(T z, T a, T parameter)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Real.IsSingle<T>() ? Real.FromSingle<T>(VectorMath.GeluDerivative(Real.ToSingle(z))) : Real.FromDouble<T>(VectorMath.GeluDerivative(Real.ToDouble(z)));

    public static T SecondDerivative<T>(T z, T a, T parameter)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Real.IsSingle<T>() ? Real.FromSingle<T>(VectorMath.GeluSecondDerivative(Real.ToSingle(z))) : Real.FromDouble<T>(VectorMath.GeluSecondDerivative(Real.ToDouble(z)));

    public static void Activate<T>(ReadOnlySpan<T> z, Span<T> a, T parameter)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Real.IsSingle<T>())
        {
            Elementwise.Map<GeluSingle>(Real.AsSingles(z), Real.AsSingles(a), 0f);
        }
        else
        {
            Elementwise.Map<T, GeluActivation>(z, a, parameter);
        }
    }

    private readonly struct GeluSingle : ISingleFunction
    {
        public static float Apply(float x, float parameter) => VectorMath.Gelu(x);

        public static Vector256<float> Apply(Vector256<float> x, float parameter) => VectorMath.Gelu(x);
    }
}

/// <summary>SiLU: σ = z s(z) with s the logistic function, σ′ = s(1 + z(1 − s)), σ″ = s(1 − s)(2 + z(1 − 2s)). Needs z.</summary>
internal readonly struct SiluActivation : IElementwiseActivation<SiluActivation>
{
    public static Activation Activation => Activation.SiLU;

    public static bool NeedsWeightedInput => true;


    public static string? PyTorchModule(DenseLayerSpec layer) => "nn.SiLU()";

    public static T Value<T>(T z, T parameter)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Real.IsSingle<T>() ? Real.FromSingle<T>(VectorMath.Silu(Real.ToSingle(z))) : Real.FromDouble<T>(VectorMath.Silu(Real.ToDouble(z)));

    public static T Derivative<T>(T z, T a, T parameter)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Real.IsSingle<T>() ? Real.FromSingle<T>(VectorMath.SiluDerivative(Real.ToSingle(z))) : Real.FromDouble<T>(VectorMath.SiluDerivative(Real.ToDouble(z)));

    public static T SecondDerivative<T>(T z, T a, T parameter)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Real.IsSingle<T>() ? Real.FromSingle<T>(VectorMath.SiluSecondDerivative(Real.ToSingle(z))) : Real.FromDouble<T>(VectorMath.SiluSecondDerivative(Real.ToDouble(z)));

    public static void Activate<T>(ReadOnlySpan<T> z, Span<T> a, T parameter)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Real.IsSingle<T>())
        {
            Elementwise.Map<SiluSingle>(Real.AsSingles(z), Real.AsSingles(a), 0f);
        }
        else
        {
            Elementwise.Map<T, SiluActivation>(z, a, parameter);
        }
    }

    private readonly struct SiluSingle : ISingleFunction
    {
        public static float Apply(float x, float parameter) => VectorMath.Silu(x);

        public static Vector256<float> Apply(Vector256<float> x, float parameter) => VectorMath.Silu(x);
    }
}

/// <summary>
/// Softplus: σ = ln(1 + e^z). σ′ = s(z) = 1 − e^(−a) and σ″ = s(1 − s) = (1 − e^(−a)) e^(−a), functions of a alone,
/// computed with an accurate e^x − 1 so they keep their relative accuracy where a is tiny.
/// </summary>
internal readonly struct SoftplusActivation : IElementwiseActivation<SoftplusActivation>
{
    public static Activation Activation => Activation.Softplus;

    public static bool NeedsWeightedInput => false;


    public static string? PyTorchModule(DenseLayerSpec layer) => "nn.Softplus()";

    public static T Value<T>(T z, T parameter)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Real.IsSingle<T>() ? Real.FromSingle<T>(VectorMath.Softplus(Real.ToSingle(z))) : Real.FromDouble<T>(VectorMath.Softplus(Real.ToDouble(z)));

    public static T Derivative<T>(T z, T a, T parameter)
        where T : unmanaged, IFloatingPointIeee754<T> => Real.FromDouble<T>(-VectorMath.ExpMinusOne(-Real.ToDouble(a)));

    public static T SecondDerivative<T>(T z, T a, T parameter)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double minusA = -Real.ToDouble(a);
        return Real.FromDouble<T>(-VectorMath.ExpMinusOne(minusA) * Math.Exp(minusA));
    }

    public static void Activate<T>(ReadOnlySpan<T> z, Span<T> a, T parameter)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Real.IsSingle<T>())
        {
            Elementwise.Map<SoftplusSingle>(Real.AsSingles(z), Real.AsSingles(a), 0f);
        }
        else
        {
            Elementwise.Map<T, SoftplusActivation>(z, a, parameter);
        }
    }

    private readonly struct SoftplusSingle : ISingleFunction
    {
        public static float Apply(float x, float parameter) => VectorMath.Softplus(x);

        public static Vector256<float> Apply(Vector256<float> x, float parameter) => VectorMath.Softplus(x);
    }
}

/// <summary>A single-precision function with a Vector256 form that computes the same value in every lane.</summary>
internal interface ISingleFunction
{
    static abstract float Apply(float x, float parameter);

    static abstract Vector256<float> Apply(Vector256<float> x, float parameter);
}

/// <summary>The loops shared by the entries' forward maps.</summary>
internal static class Elementwise
{
    /// <summary>a[i] = σ(z[i]) one element at a time; z and a may be the same span.</summary>
    public static void Map<T, TActivation>(ReadOnlySpan<T> z, Span<T> a, T parameter)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TActivation : struct, IElementwiseActivation<TActivation>
    {
        for (int i = 0; i < a.Length; i++)
        {
            a[i] = TActivation.Value(z[i], parameter);
        }
    }

    /// <summary>a[i] = f(z[i]) eight at a time, then the rest one by one (the same value either way).</summary>
    public static void Map<TFunction>(ReadOnlySpan<float> z, Span<float> a, float parameter)
        where TFunction : struct, ISingleFunction
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref float zr = ref MemoryMarshal.GetReference(z);
            ref float ar = ref MemoryMarshal.GetReference(a);
            for (; i <= a.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                TFunction.Apply(Vector256.LoadUnsafe(ref zr, (nuint)i), parameter).StoreUnsafe(ref ar, (nuint)i);
            }
        }

        for (; i < a.Length; i++)
        {
            a[i] = TFunction.Apply(z[i], parameter);
        }
    }
}

/// <summary>Conversions that let generic code call the float and double forms of <see cref="VectorMath"/>.</summary>
internal static class Real
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsSingle<T>() => typeof(T) == typeof(float);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToSingle<T>(T x)
        where T : unmanaged, IFloatingPointIeee754<T> => typeof(T) == typeof(float) ? Unsafe.As<T, float>(ref x) : float.CreateTruncating(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T FromSingle<T>(float x)
        where T : unmanaged, IFloatingPointIeee754<T> => typeof(T) == typeof(float) ? Unsafe.As<float, T>(ref x) : T.CreateTruncating(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double ToDouble<T>(T x)
        where T : unmanaged, IFloatingPointIeee754<T> => typeof(T) == typeof(double) ? Unsafe.As<T, double>(ref x) : double.CreateTruncating(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T FromDouble<T>(double x)
        where T : unmanaged, IFloatingPointIeee754<T> => typeof(T) == typeof(double) ? Unsafe.As<double, T>(ref x) : T.CreateTruncating(x);

    /// <summary>The span as floats; only when T is float.</summary>
    public static ReadOnlySpan<float> AsSingles<T>(ReadOnlySpan<T> values)
        where T : unmanaged => MemoryMarshal.Cast<T, float>(values);

    /// <summary>The span as floats; only when T is float.</summary>
    public static Span<float> AsSingles<T>(Span<T> values)
        where T : unmanaged => MemoryMarshal.Cast<T, float>(values);
}
