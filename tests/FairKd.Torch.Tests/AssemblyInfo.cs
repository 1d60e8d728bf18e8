// torch's random generator is process-global: tests that seed it (model init, losses, trainer resume) must not
// interleave with other tests that draw from it, so this assembly runs its test classes one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
