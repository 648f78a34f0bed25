using System;
using System.Numerics;

namespace NetGen.Data;

/// <summary>Loads MNIST-style image and label IDX files (plain or gzip) into a classification <see cref="Dataset{T}"/>.</summary>
public static class IdxLoader
{
    /// <summary>
    /// Loads an image file and its label file: each image's elements, flattened and multiplied by
    /// <paramref name="scale"/>, become the features; each label becomes a one-hot target and the sample's label.
    /// </summary>
    /// <typeparam name="T">The floating-point type of features and targets.</typeparam>
    /// <param name="imagesPath">The images: any element type, the first dimension counting the images.</param>
    /// <param name="labelsPath">The labels: a 1-D ubyte file with one label per image.</param>
    /// <param name="classCount">The number of classes; when null, the largest label + 1, provided the one-hot targets
    /// stay within <see cref="DataLimits.OneHotValueAllowance"/> (one value per byte of the two files' content).</param>
    /// <param name="scale">The factor applied to each pixel; the default maps ubyte pixels 0..255 onto [0, 1].</param>
    /// <returns>The data set, in file order.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="classCount"/> or <paramref name="scale"/> is invalid.</exception>
    /// <exception cref="DataFormatException">A file is malformed, the counts differ, or a label is out of range.</exception>
    public static Dataset<T> LoadImagesAndLabels<T>(string imagesPath, string labelsPath, int? classCount = null, double scale = 1.0 / 255)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(imagesPath);
        ArgumentNullException.ThrowIfNull(labelsPath);
        if (classCount is { } requested && (requested < 1 || requested > NetworkLimits.MaxLayerSize))
        {
            throw new ArgumentOutOfRangeException(nameof(classCount), requested, $"The class count must be between 1 and {NetworkLimits.MaxLayerSize}.");
        }

        if (!double.IsFinite(scale) || scale <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "The scale must be finite and positive.");
        }

        var labelFile = IdxFile.Read(labelsPath);
        if (labelFile.Dimensions.Count != 1 || labelFile.DataType != IdxDataType.UnsignedByte)
        {
            throw new DataFormatException($"a label file must be a 1-D ubyte array, but this one is {labelFile}", labelsPath);
        }

        var images = IdxFile.Read(imagesPath);
        if (images.ItemCount != labelFile.ItemCount)
        {
            throw new DataFormatException(
                $"{images.ItemCount} images ({images}) but {labelFile.ItemCount} labels in {System.IO.Path.GetFileName(labelsPath)}", imagesPath);
        }

        if (images.ItemCount == 0)
        {
            throw new DataFormatException("the file holds no images", imagesPath);
        }

        if (images.ItemLength == 0)
        {
            throw new DataFormatException($"the images have no elements ({images})", imagesPath);
        }

        int[] labels = labelFile.ToInt32Array();
        int classes = classCount ?? 0;
        for (int i = 0; i < labels.Length; i++)
        {
            if (classCount is null)
            {
                classes = Math.Max(classes, labels[i] + 1);
            }
            else if (labels[i] >= classes)
            {
                throw new DataFormatException($"item {i} has label {labels[i]}, outside [0, {classes})", labelsPath, offset: labelFile.HeaderLength + i);
            }
        }

        if (classCount is null
            && !DataLimits.OneHotFits(labels.Length, classes, images.HeaderLength + images.RawData.Length + labelFile.HeaderLength + labelFile.RawData.Length, out long values, out long allowance))
        {
            throw new DataFormatException(
                $"the labels make {classes} classes: one-hot targets for {labels.Length} images would hold {values} values, more than the {allowance} "
                + $"files of this size may make (one per byte, or {DataLimits.OneHotValueAllowance}); pass classCount to allow them",
                labelsPath);
        }

        T[] features = images.ToArray<T>(scale);
        T[] targets = OneHot.Encode<T>(labels, classes);
        return new Dataset<T>(features, targets, images.ItemLength, classes, labels);
    }
}
