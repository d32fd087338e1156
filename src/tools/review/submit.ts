/** `submit_review`: the review role's structured verdict. */
import { z } from 'zod';
import { defineTool } from '../types.js';

export const reviewCriterion = z.object({
  name: z.string().min(1).describe('What was judged, e.g. "accuracy"'),
  score: z.number().min(0).max(1).describe('0 (fails) to 1 (fully meets)'),
  feedback: z.string().describe('Why, and what to change'),
});

/** The review a reviewer submits; the worker loop treats the tool's output as its result. */
export const reviewSchema = z.object({
  score: z.number().min(0).max(1).describe('Overall score, 0 to 1'),
  summary: z.string().min(1).describe('The verdict in a few sentences'),
  criteria: z.array(reviewCriterion).min(1).describe('One entry per criterion judged'),
});

export type Review = z.infer<typeof reviewSchema>;

export const submitReview = defineTool({
  name: 'submit_review',
  description:
    'Submit your review: an overall score from 0 to 1, a summary, and a score with feedback for each ' +
    'criterion. Call it once, when the review is complete.',
  input: reviewSchema,
  async run(input) {
    const review: Review = reviewSchema.parse(input);
    return { content: JSON.stringify(review) };
  },
});
