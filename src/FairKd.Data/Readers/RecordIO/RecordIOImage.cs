namespace FairKd.Data.Readers.RecordIO;

/// <summary>One image record: its header, labels (array labels, or the scalar label alone) and encoded image bytes.</summary>
public sealed record RecordIOImage(IRHeader Header, float[] Labels, byte[] ImageBytes)
{
    /// <summary>The class label: the scalar label, or the first of the array labels (InsightFace convention).</summary>
    public float ClassLabel => Labels.Length > 0 ? Labels[0] : Header.Label;
}

/// <summary>Record 0 of an InsightFace .rec: images are records <c>1 .. ImageEnd-1</c>, identity records <c>ImageEnd .. IdentityEnd-1</c>.</summary>
public sealed record RecordIOHeaderRecord(long ImageEnd, long IdentityEnd);

/// <summary>An identity record: class <see cref="Label"/> owns image records <c>[Start, End)</c>.</summary>
public sealed record RecordIOIdentityRange(long Label, long Start, long End);

/// <summary>The optional <c>property</c> file beside train.rec: <c>num_classes,height,width</c>.</summary>
public sealed record RecordIOProperty(int NumClasses, int Height, int Width)
{
    /// <summary>Parses <c>num_classes,height,width</c>; null when the text is not three positive integers.</summary>
    public static RecordIOProperty? TryParse(string text)
    {
        var parts = text.Trim().Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length != 3) return null;
        var v = new int[3];
        for (var i = 0; i < 3; i++)
            if (!int.TryParse(parts[i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out v[i]) || v[i] <= 0)
                return null;
        return new RecordIOProperty(v[0], v[1], v[2]);
    }
}
