using FairKd.Data.Cache;
using FairKd.Tests.Shared;

namespace FairKd.Data.Tests.Cache;

/// <summary>
/// Runs killed at random moments (abandoned writers that never dispose, leaving torn temp shards; I/O failures
/// while a shard is written or right after it was renamed), several times in a row, then resumed: the folder must
/// equal an uninterrupted run's, byte for byte.
/// </summary>
public class CacheCrashResumeTests
{
    private static readonly string[] Keys = CacheTestData.Keys(90);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Repeated_random_crashes_then_resume_equal_an_uninterrupted_run(int seed)
    {
        using var whole = new TempDir("crash-a");
        using var crashed = new TempDir("crash-b");
        var options = CacheTestData.Options(rowsPerShard: 7, rowGroupRows: 3);
        await CacheTestData.WriteAllAsync(whole.Path, options, Keys);

        var rng = new Random(seed);
        var tornShards = 0;
        var injected = 0;
        for (var attempt = 0; attempt < 6; attempt++)
        {
            // Attempt 0 always fails on I/O, attempt 1 always dies mid-shard; the rest are random.
            var failAtOpen = attempt switch { 0 => 2, 1 => -1, _ => rng.Next(2) == 0 ? rng.Next(1, 6) : -1 };
            var opens = 0;
            Stream Open(string path, FileMode mode)
            {
                if (++opens == failAtOpen) throw new IOException($"injected failure opening {Path.GetFileName(path)}");
                return new FileStream(path, mode, mode == FileMode.Append ? FileAccess.Write : FileAccess.ReadWrite);
            }

            var w = await EmbeddingCacheWriter.OpenAsync(crashed.Path, options, Keys, Open, default);
            var stop = Math.Min(Keys.Length, w.ResumePosition + (attempt == 0 ? 29 : rng.Next(1, 30)));
            try
            {
                if (attempt == 1)
                {
                    // Die as soon as a shard file is half written.
                    while (w.NextPosition < Keys.Length && Directory.GetFiles(crashed.Path, "*.tmp").Length == 0)
                        await CacheTestData.FeedAsync(w, Keys, w.NextPosition + 1);
                }
                else
                {
                    await CacheTestData.FeedAsync(w, Keys, stop);
                }
            }
            catch (IOException ex)
            {
                Assert.Contains("injected failure", ex.Message, StringComparison.Ordinal);
                injected++;
            }

            tornShards += Directory.GetFiles(crashed.Path, "*.tmp").Length;

            // No DisposeAsync: the process "dies" with its shard file open and half written.
        }

        Assert.True(tornShards > 0 && injected > 0, $"the crashes left {tornShards} torn shards and {injected} I/O failures");
        await using (var w = await EmbeddingCacheWriter.OpenAsync(crashed.Path, options, Keys))
        {
            await CacheTestData.FeedAsync(w, Keys);
            await w.CompleteAsync();
        }

        CacheTestData.AssertSameFiles(whole.Path, crashed.Path);
    }
}
