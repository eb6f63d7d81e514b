import assert from 'node:assert/strict';
import { command } from '../../../src/cli/command';
import { choiceOption } from '../../../src/cli/commands/options';
import { ExitCode } from '../../../src/cli/exit-codes';

describe('CLI command options', () => {
  it('types run()’s values from the declared options, so commands read them without casts', async () => {
    const seen: unknown[] = [];
    const stop = command({
      path: ['x', 'stop'],
      summary: 'test',
      usage: '<id> [--reason TEXT] [--force] [--tag T]...',
      options: {
        reason: { type: 'string' },
        force: { type: 'boolean' },
        tag: { type: 'string', multiple: true },
      },
      async run(_ctx, { values }) {
        const reason: string | undefined = values.reason;
        const force: boolean | undefined = values.force;
        const tags: string[] | undefined = values.tag;
        const json: boolean | undefined = values.json;
        // @ts-expect-error --reason is a string, not a number
        const wrong: number | undefined = values.reason;
        // @ts-expect-error no such option
        void values.nope;
        seen.push(reason, force, tags, json, wrong);
      },
    });
    await stop.run(undefined as never, { positionals: [], values: { reason: 'r', force: true, tag: ['a'] } });
    assert.deepEqual(seen, ['r', true, ['a'], undefined, 'r']);
  });

  it('narrows a choice option or refuses it with a usage error listing the choices', () => {
    const aliases = ['champion', 'challenger', 'shadow'] as const;
    assert.equal(choiceOption({ alias: 'shadow' }, 'alias', aliases), 'shadow');
    assert.equal(choiceOption({}, 'alias', aliases), undefined);
    assert.throws(
      () => choiceOption({ alias: 'king' }, 'alias', aliases),
      (error: { message: string; exitCode: number }) =>
        /--alias must be one of champion, challenger, shadow, got "king"/.test(error.message) &&
        error.exitCode === ExitCode.USAGE,
    );
  });
});
