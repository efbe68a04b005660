//! A factory that deploys one staking vault per token from a template
//! contract and keeps them up to date. The factory is the owner of every vault
//! it deploys, so only the factory can upgrade them.
//!
//! With `--features vulnerable` `upgradeVault` is missing the owner check
//! (`check_caller_is_owner()`, what `#[only_owner]` expands to):
//! anybody can make the factory upgrade any vault from a source contract of
//! their choosing (and with init arguments of their choosing), taking over
//! the vault and the tokens staked in it.
#![no_std]

use multiversx_sc::imports::*;

#[multiversx_sc::contract]
pub trait VaultFactory {
    #[init]
    fn init(&self, template: ManagedAddress) {
        self.vault_template().set(&template);
    }

    #[upgrade]
    fn upgrade(&self) {}

    #[only_owner]
    #[endpoint(setTemplate)]
    fn set_template(&self, template: ManagedAddress) {
        require!(
            self.blockchain().is_smart_contract(&template),
            "template must be a contract"
        );
        self.vault_template().set(&template);
    }

    #[only_owner]
    #[endpoint(deployVault)]
    fn deploy_vault(&self, token_id: TokenIdentifier, reward_rate: BigUint) -> ManagedAddress {
        require!(self.vaults(&token_id).is_empty(), "vault already exists");
        let new_address = self
            .tx()
            .raw_deploy()
            .from_source(self.vault_template().get())
            .code_metadata(CodeMetadata::UPGRADEABLE | CodeMetadata::READABLE)
            .argument(&token_id)
            .argument(&reward_rate)
            .returns(ReturnsNewManagedAddress)
            .sync_call();
        self.vaults(&token_id).set(&new_address);
        self.all_vaults().insert(new_address.clone());
        new_address
    }

    /// Upgrades a vault to the code of `source`, calling its upgrade
    /// constructor with `args`.
    #[endpoint(upgradeVault)]
    fn upgrade_vault(
        &self,
        vault: ManagedAddress,
        source: ManagedAddress,
        args: MultiValueEncoded<ManagedBuffer>,
    ) {
        #[cfg(not(feature = "vulnerable"))]
        self.blockchain().check_caller_is_owner();
        require!(self.all_vaults().contains(&vault), "unknown vault");
        self.tx()
            .to(vault)
            .raw_upgrade()
            .from_source(source)
            .code_metadata(CodeMetadata::UPGRADEABLE | CodeMetadata::READABLE)
            .arguments_raw(args.to_arg_buffer())
            .upgrade_async_call_and_exit();
    }

    #[view(getVault)]
    #[storage_mapper("vaults")]
    fn vaults(&self, token_id: &TokenIdentifier) -> SingleValueMapper<ManagedAddress>;

    #[view(getAllVaults)]
    #[storage_mapper("allVaults")]
    fn all_vaults(&self) -> UnorderedSetMapper<ManagedAddress>;

    #[view(getVaultTemplate)]
    #[storage_mapper("vaultTemplate")]
    fn vault_template(&self) -> SingleValueMapper<ManagedAddress>;
}
