import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { RequireRole } from '@tributary/auth';
import { checkExpression } from '@tributary/expressions';
import { Responds } from '@tributary/platform';
import { ExpressionChecked } from '../http/responses';
import { ParseBody } from '../http/zod.pipe';

const CheckExpressionBody = z.strictObject({
  /** CEL, as a rule's or connector's filter, transform, `when` or `value` would hold it */
  expression: z.string().min(1).max(4096),
  /** the variables it may use: `event` for filters and transforms, `source` for a rule's `when` and `value` */
  variables: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'a variable name is a letter or _ then up to 63 letters, digits or _'))
    .min(1).max(8).refine((names) => new Set(names).size === names.length, 'variable names must differ'),
});

@ApiTags('expressions')
@ApiBearerAuth()
@Controller('v1/expressions')
export class ExpressionsController {
  /** Compiles an expression and estimates its cost, as saving a rule or connector would; stores nothing. */
  @Post('check')
  @HttpCode(200)
  @RequireRole('steward')
  @Responds('the expression compiles and its cost fits the budget', ExpressionChecked)
  check(@Body(new ParseBody(CheckExpressionBody)) body: z.infer<typeof CheckExpressionBody>) {
    return checkExpression(body.expression, body.variables);
  }
}
