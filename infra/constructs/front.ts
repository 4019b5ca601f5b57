import { CfnOutput, Fn, Stack, Validations } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import { Construct } from 'constructs';

export interface FrontProps {
  readonly api: HttpApi;
  /** The custom domain providers and integrators call, e.g. hooks.example.com. */
  readonly domainName: string;
  /** ARN of an ACM certificate for that domain, in us-east-1 (where CloudFront reads certificates). */
  readonly certificateArn: string;
  /** ARN of an AWS WAF web ACL with scope CLOUDFRONT (created in us-east-1). */
  readonly webAclArn: string;
}

/**
 * CloudFront in front of the HTTP API, carrying the WAF web ACL an HTTP API cannot carry itself,
 * and the custom domain. Nothing is cached and every request reaches the API as sent (method,
 * path, query, headers but Host, body), so provider signatures still verify against
 * PUBLIC_BASE_URL, which must then be https://<domainName>.
 */
export class Front extends Construct {
  readonly distribution: cloudfront.Distribution;

  constructor(scope: Construct, id: string, props: FrontProps) {
    super(scope, id);
    if (!/^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global\/webacl\//.test(props.webAclArn)) {
      throw new Error('webAclArn must be the ARN of a WAF web ACL with scope CLOUDFRONT (arn:aws:wafv2:us-east-1:ACCOUNT:global/webacl/…).');
    }
    if (!/^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\//.test(props.certificateArn)) {
      throw new Error('frontCertificateArn must be an ACM certificate in us-east-1, where CloudFront reads certificates.');
    }
    // The API's own host, from its endpoint (https://id.execute-api.region.amazonaws.com).
    const apiHost = Fn.select(2, Fn.split('/', props.api.apiEndpoint));
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'optout-hub: WAF and the custom domain in front of the HTTP API',
      domainNames: [props.domainName],
      certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn),
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
      webAclId: props.webAclArn,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      defaultBehavior: {
        origin: new origins.HttpOrigin(apiHost, {
          protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
          originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
        }),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
        // Every answer is per request (a check, a webhook acknowledgement): nothing may be cached.
        cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
        originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      },
    });
    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR1',
        reason: 'Opt-outs must be accepted from wherever a person or provider is: a geographic restriction would refuse lawful STOP requests.',
      },
      {
        id: 'AwsSolutions-CFR3',
        reason:
          'Every request CloudFront forwards is logged by the API stage access log (route, status, latency; never the address-bearing path); WAF logging records what the web ACL blocks.',
      },
    );
    new CfnOutput(Stack.of(this), 'FrontDomainName', {
      value: this.distribution.distributionDomainName,
      description: `Point ${props.domainName} (CNAME or alias) here; give providers https://${props.domainName}`,
    });
  }
}
