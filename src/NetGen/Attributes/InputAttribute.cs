using System;

namespace NetGen;

/// <summary>Declares the input layer: the number of features a sample has. Must come before every other layer.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class InputAttribute : Attribute
{
    /// <summary>Declares an input layer of <paramref name="size"/> features.</summary>
    /// <param name="size">The number of input features, at least 1.</param>
    public InputAttribute(int size) => Size = size;

    /// <summary>The number of input features.</summary>
    public int Size { get; }
}
