using System;

namespace NetGen;

/// <summary>
/// A small, fast, seeded pseudo-random generator (xoshiro256**, seeded through SplitMix64) whose sequence is fixed by
/// its seed on every platform and .NET version, unlike <see cref="Random"/>'s unseeded algorithm. Everything random in
/// NetGen (initial weights, shuffles, dropout masks) draws from it, so a run is reproducible from its seed.
/// </summary>
public sealed class SeededRandom
{
    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;

    /// <summary>Creates a generator whose sequence is determined by <paramref name="seed"/>.</summary>
    /// <param name="seed">Any value; equal seeds give equal sequences.</param>
    public SeededRandom(ulong seed) => Reseed(seed);

    /// <summary>Restarts the sequence as if this generator had just been created with <paramref name="seed"/>.</summary>
    /// <param name="seed">Any value; equal seeds give equal sequences.</param>
    public void Reseed(ulong seed)
    {
        ulong state = seed;
        _s0 = SplitMix64(ref state);
        _s1 = SplitMix64(ref state);
        _s2 = SplitMix64(ref state);
        _s3 = SplitMix64(ref state);
    }

    private SeededRandom(ulong s0, ulong s1, ulong s2, ulong s3)
    {
        (_s0, _s1, _s2, _s3) = (s0, s1, s2, s3);
    }

    /// <summary>Returns an independent copy that continues with the same sequence as this generator.</summary>
    public SeededRandom Clone() => new(_s0, _s1, _s2, _s3);

    /// <summary>A generator that continues from a saved <paramref name="state"/>.</summary>
    /// <param name="state">A state from <see cref="SaveState"/>.</param>
    /// <exception cref="ArgumentException">The state is all zero, which no generator can be in.</exception>
    public static SeededRandom FromState(SeededRandomState state)
    {
        RequireValid(state, nameof(state));
        return new SeededRandom(state.S0, state.S1, state.S2, state.S3);
    }

    /// <summary>The generator's current state; <see cref="RestoreState"/> or <see cref="FromState"/> continue from it.</summary>
    public SeededRandomState SaveState() => new(_s0, _s1, _s2, _s3);

    /// <summary>Puts the generator back into a saved <paramref name="state"/>: it continues with the numbers the saved
    /// generator would have drawn next.</summary>
    /// <param name="state">A state from <see cref="SaveState"/>.</param>
    /// <exception cref="ArgumentException">The state is all zero, which no generator can be in; the generator is unchanged.</exception>
    public void RestoreState(SeededRandomState state)
    {
        RequireValid(state, nameof(state));
        (_s0, _s1, _s2, _s3) = (state.S0, state.S1, state.S2, state.S3);
    }

    /// <summary>Returns the next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Returns a uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Returns a uniform integer in [0, <paramref name="maxExclusive"/>) without modulo bias.</summary>
    /// <param name="maxExclusive">The exclusive upper bound, at least 1.</param>
    public int NextInt32(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxExclusive, 1);
        // Lemire's multiply-shift with rejection: unbiased and division-free in the common case.
        ulong bound = (ulong)maxExclusive;
        ulong product = (NextUInt64() >> 32) * bound;
        uint low = (uint)product;
        if (low < bound)
        {
            uint threshold = (uint)((0x1_0000_0000UL - bound) % bound);
            while (low < threshold)
            {
                product = (NextUInt64() >> 32) * bound;
                low = (uint)product;
            }
        }

        return (int)(product >> 32);
    }

    /// <summary>Returns a standard normal sample (mean 0, variance 1) by the Box–Muller transform.</summary>
    public double NextGaussian()
    {
        // 1 − U keeps the logarithm's argument in (0, 1].
        double u1 = 1.0 - NextDouble();
        double u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>Shuffles <paramref name="values"/> in place (Fisher–Yates).</summary>
    /// <typeparam name="TValue">The element type.</typeparam>
    /// <param name="values">The values to permute.</param>
    public void Shuffle<TValue>(Span<TValue> values)
    {
        for (int i = values.Length - 1; i > 0; i--)
        {
            int j = NextInt32(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }

    private static void RequireValid(SeededRandomState state, string parameterName)
    {
        if (!state.IsValid)
        {
            throw new ArgumentException("The random-number state is all zero, which xoshiro256** can never be in (it would draw zeros forever).", parameterName);
        }
    }

    private static ulong SplitMix64(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
