namespace FairKd.Data.Manifest;

/// <summary>The card.md sections of schema 2: sources, ethnicity labels, uses and the audit.</summary>
internal static class DataCardMarkdown
{
    private static void Tally(Action<string> line, string header, IReadOnlyList<GroupTally> rows, Func<GroupTally, long> count)
    {
        line("");
        line(header);
        line("| --- | ---: | ---: | ---: |");
        foreach (var g in rows) line($"| {g.Group} | {g.Images} | {count(g)} | {DataCard.Fmt(g.Share)} |");
        line("");
    }

    public static void Sections(DataCard c, Action<string> line)
    {
        void L(string s = "") => line(s);
        if (c.Sources is { } sources)
        {
            L("## Sources");
            L();
            foreach (var s in sources)
            {
                L($"### {s.Name} ({s.Kind}): {s.Title}");
                L();
                if (s.Url is not null) L($"- url: {s.Url}");
                L($"- licence: {s.License}");
                L($"- access: {s.Access}");
                if (s.Generator is { } g) L($"- generator: {g.Name}, version {g.Version}; paper: {g.Paper}");
                L("- citation:");
                L();
                L("```bibtex");
                foreach (var part in s.Citation.Split('\n')) L(part);
                L("```");
                L();
            }
        }

        if (c.Ethnicity is { } e)
        {
            L("## Ethnicity labels");
            L();
            L($"- source: {e.Source}");
            if (e.FolderAgreement is { } f)
            {
                L($"- soft-label argmax differs from the folder group: {f.Differing} of {f.Images} kept images with a folder group ({DataCard.Fmt(f.DifferingShare)})");
                Tally(line, "| folder group | images | argmax differs | share |", f.Groups, g => g.Images - g.Agreeing);
            }
            else L($"- soft-label argmax vs folder group: unknown: {e.FolderAgreementUnknown}");

            if (e.Classifier is { } a)
            {
                L($"- classifier accuracy on the labelled held-out cache {a.HeldOut}: {DataCard.Fmt(a.Accuracy)} of {a.Images} images");
                Tally(line, "| group | held-out images | correct | accuracy |", a.Groups, g => g.Agreeing);
            }
            else L($"- classifier accuracy per group: unknown: {e.ClassifierUnknown}");

            L();
        }

        if (c.IntendedUse is not null)
        {
            L("## Intended use");
            L();
            L(c.IntendedUse);
            L();
            L("## Out of scope");
            L();
            foreach (var u in c.OutOfScope ?? []) L($"- {u}");
            L();
        }

        if (c.Schema == DataCard.Schema1) return;
        L("## Audit: identity overlap and duplicates");
        L();
        if (c.Audit is not { } au)
        {
            L("- not audited: run `fairkd manifest audit` on this release, then `fairkd manifest card --audit`");
            L();
            return;
        }

        L($"- audit.json sha256 {au.AuditSha256}; identity threshold {DataCard.Fmt(au.IdentityThreshold)} (cosine of identity centroids), " +
          $"near-duplicate threshold {DataCard.Fmt(au.NearDuplicateThreshold)} ({au.NearDuplicateMethod})");
        L($"- exact duplicate groups inside the release: {au.ExactDuplicateGroupsInRelease}; near-duplicate image pairs: {au.NearDuplicatePairs}" +
          (au.UnhashedImages > 0 ? $"; images without a recorded content hash (not checked for exact duplicates): {au.UnhashedImages}" : ""));
        L();
        L("| evaluation set | identities | identity pairs above threshold | images with the same content |");
        L("| --- | ---: | ---: | ---: |");
        foreach (var s in au.EvalSets) L($"| {s.Name} | {s.Identities} | {s.OverlappingPairs} | {s.SharedImages} |");
        L();
    }
}
