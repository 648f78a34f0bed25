namespace NetGen;

/// <summary>Where a block of the parameter layout (a layer's weights or biases) meets a slice of it.</summary>
internal static class LayoutSlices
{
    /// <summary>
    /// The part of the block [first, first + count) inside the slice [offset, offset + sliceLength), as a start relative
    /// to the slice and a length; false when they do not meet.
    /// </summary>
    public static bool TryIntersect(int first, int count, int offset, int sliceLength, out int start, out int length)
    {
        int begin = System.Math.Max(first, offset);
        int end = System.Math.Min(first + count, offset + sliceLength);
        start = begin - offset;
        length = end - begin;
        return length > 0;
    }
}
