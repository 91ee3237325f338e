// The TypeBox shape of the trimmed Slack user (see toUser in _slack.ts).
import { Type } from '@sinclair/typebox'

const Text = Type.Union([Type.String(), Type.Null()])

export const User = Type.Object({
  id: Type.String({ description: 'The user ID, e.g. W012A3CDE.' }),
  team_id: Text,
  name: Text,
  real_name: Text,
  display_name: Text,
  email: Type.Union([Type.String(), Type.Null()], { description: 'Present with the users:read.email scope.' }),
  title: Text,
  is_bot: Type.Boolean(),
  is_admin: Type.Boolean(),
  deleted: Type.Boolean({ description: 'Deactivated.' }),
  tz: Text,
})
