using FairKd.Core.IO;

namespace FairKd.Core.Tests.IO;

/// <summary>One naming of samples and identities: dataset-qualified, the path kept as the reader found it.</summary>
public class SampleIdTests
{
    [Fact]
    public void Keys_and_identities_are_dataset_qualified()
    {
        Assert.Equal("bupt/African/m.0x/1.jpg", SampleId.Key("bupt", "African/m.0x/1.jpg"));
        Assert.Equal("ms1m/17", SampleId.Identity("ms1m", "17"));
        // the path is not rewritten: a Linux file name may hold a backslash, and the key must stay unique
        Assert.Equal("d/a\\b.jpg", SampleId.Key("d", "a\\b.jpg"));
        Assert.Throws<ArgumentException>(() => SampleId.Key("", "x.jpg"));
    }
}
