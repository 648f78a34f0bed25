namespace NetGen;

/// <summary>
/// The complete state of a <see cref="SeededRandom"/>: the four 64-bit words of xoshiro256**. A generator restored from
/// it (<see cref="SeededRandom.RestoreState"/>, <see cref="SeededRandom.FromState"/>) continues exactly where the saved
/// one stood, so a training checkpoint can resume its shuffles and dropout masks.
/// </summary>
/// <param name="S0">The first word.</param>
/// <param name="S1">The second word.</param>
/// <param name="S2">The third word.</param>
/// <param name="S3">The fourth word.</param>
public readonly record struct SeededRandomState(ulong S0, ulong S1, ulong S2, ulong S3)
{
    /// <summary>Whether the state can drive the generator: xoshiro256** never leaves the all-zero state, which seeding
    /// never produces, so only that state is invalid.</summary>
    public bool IsValid => (S0 | S1 | S2 | S3) != 0;
}
