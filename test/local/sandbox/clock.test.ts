import { VirtualClock } from '../../../local/sandbox';

describe('Class: VirtualClock', () => {
  it('stands still until advanced, in seconds', () => {
    // Prepare
    const clock = new VirtualClock(1_000);

    // Act
    const before = clock.now();
    clock.advance(2.5);

    // Assess
    expect(before).toBe(1_000);
    expect(clock.now()).toBe(3_500);
  });

  it('refuses to run backwards', () => {
    // Prepare
    const clock = new VirtualClock(0);

    // Act
    const goBack = () => clock.advance(-1);

    // Assess
    expect(goBack).toThrow(/non-negative/);
  });
});
