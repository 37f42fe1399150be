import { app } from '@azure/functions';
import { getConfig } from '../shared/config';
import { getEventPublisher } from '../shared/events/publisher';
import { runKeyRotation } from '../shared/identity/rotation';
import { getLogger } from '../shared/services';

const c = getConfig();

app.timer('keys-rotate', {
  // The schedule is a setting (KEY_ROTATION_SCHEDULE, NCRONTAB with seconds), read at registration.
  schedule: c.KEY_ROTATION_SCHEDULE,
  runOnStartup: false,
  handler: async () => {
    const s = getConfig();
    const summary = await runKeyRotation(
      { maxAgeDays: s.KEY_MAX_AGE_DAYS, graceDays: s.KEY_ROTATION_GRACE_DAYS, warningDays: s.KEY_EXPIRY_WARNING_DAYS },
      getEventPublisher(),
    );
    getLogger().info('keys-rotate finished', { ...summary });
  },
});
