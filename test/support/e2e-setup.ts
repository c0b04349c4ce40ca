// Per-test timeout of the e2e project: jest 29 ignores `testTimeout` inside a project entry.
jest.setTimeout(120_000);
