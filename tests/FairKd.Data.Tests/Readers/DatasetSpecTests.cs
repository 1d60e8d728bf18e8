using FairKd.Core;
using FairKd.Data.Readers;
using FairKd.Tests.Shared;

namespace FairKd.Data.Tests.Readers;

public class DatasetSpecTests
{
    [Fact]
    public void Parses_name_root_and_layout_with_identity_image_as_default()
    {
        using var dir = new TempDir("spec");
        Assert.Equal(new DatasetSpec("bupt", dir.Path, DatasetLayout.GroupIdentityImage),
            DatasetSpec.Parse($"bupt={dir.Path}:group/identity/image"));
        Assert.Equal(new DatasetSpec("dc-face_1", dir.Path, DatasetLayout.IdentityImage), DatasetSpec.Parse($"dc-face_1={dir.Path}"));
        Assert.Equal(DatasetLayout.IdentityImage, DatasetSpec.Parse($"x={dir.Path}:identity/image").Layout);
    }

    [Fact]
    public void A_root_containing_a_colon_is_taken_whole_when_it_exists()
    {
        using var dir = new TempDir("spec");
        var odd = Directory.CreateDirectory(dir.Combine("a:b")).FullName;
        Assert.Equal(odd, DatasetSpec.Parse($"x={odd}").Root);
        Assert.Equal(odd, DatasetSpec.Parse($"x={odd}:group/identity/image").Root);
    }

    [Fact]
    public void Errors_say_what_to_fix()
    {
        using var dir = new TempDir("spec");
        var missing = dir.Combine("nope");
        Assert.Contains(missing, Assert.Throws<UsageException>(() => DatasetSpec.Parse($"x={missing}")).Message);
        var layout = Assert.Throws<UsageException>(() => DatasetSpec.Parse($"x={dir.Path}:group/image")).Message;
        Assert.Contains("unknown layout 'group/image'", layout);
        Assert.Contains("identity/image, group/identity/image", layout);
        Assert.Contains("invalid", Assert.Throws<UsageException>(() => DatasetSpec.Parse($"BUPT={dir.Path}")).Message);
        Assert.Contains("NAME=PATH", Assert.Throws<UsageException>(() => DatasetSpec.Parse(dir.Path)).Message);
        Assert.Contains("NAME=PATH", Assert.Throws<UsageException>(() => DatasetSpec.Parse("x=")).Message);
        Assert.Contains("empty", Assert.Throws<UsageException>(() => DatasetSpec.Parse("x=:identity/image")).Message);
    }

    [Fact]
    public void Named_paths_check_existence_by_kind_and_names_must_be_unique()
    {
        using var dir = new TempDir("spec");
        var file = dir.Combine("list.txt");
        File.WriteAllText(file, "");
        Assert.Equal(new NamedPath("lst", file), NamedPath.Parse($"lst={file}", "--paths", NamedPathKind.File));
        Assert.Contains("file", Assert.Throws<UsageException>(() => NamedPath.Parse($"lst={dir.Path}", "--paths", NamedPathKind.File)).Message);
        Assert.Equal(dir.Path, NamedPath.Parse($"r={dir.Path}", "--rec", NamedPathKind.FileOrDirectory).Path);
        Assert.Throws<UsageException>(() => NamedPath.Parse($"r={file}", "--rec", NamedPathKind.Directory));
        Assert.Throws<UsageException>(() => NamedPath.Parse($"a b={file}", "--landmarks", NamedPathKind.File));
        DatasetName.EnsureUnique(["a", "b"], "--dataset");
        Assert.Contains("'a' is given twice", Assert.Throws<UsageException>(() => DatasetName.EnsureUnique(["a", "b", "a"], "--dataset")).Message);
    }
}
